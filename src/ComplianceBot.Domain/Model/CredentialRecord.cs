namespace ComplianceBot.Domain.Model;

/// <summary>
/// The latest record of one credential or training for one person. A renewal replaces the record;
/// the old one survives only in the audit log.
/// </summary>
/// <param name="EmployeeId">Whose record it is.</param>
/// <param name="CredentialCode">Catalog code, e.g. <c>BLS</c> (aliases are resolved before this point).</param>
/// <param name="IssuedOn">Issue, certification or completion date.</param>
/// <param name="PrintedExpiresOn">Expiry printed on the card or certificate; the source of truth when present.</param>
/// <param name="CredentialNumber">Card or certificate number; never put in logs or email metadata.</param>
/// <param name="Source">Where the record came from, e.g. <c>import</c>, <c>api</c>.</param>
/// <param name="Verified">Whether someone checked it against the issuer.</param>
public sealed record CredentialRecord(
    string EmployeeId,
    string CredentialCode,
    DateOnly? IssuedOn,
    DateOnly? PrintedExpiresOn,
    string? CredentialNumber,
    string Source,
    bool Verified);

/// <summary>
/// An organization-level event that makes earlier training stale, e.g. a new hazardous chemical
/// (HazCom) or a material change to privacy policies (HIPAA).
/// </summary>
public sealed record RetrainingEvent(
    string CredentialCode,
    DateOnly EffectiveOn,
    int DueWithinDays,
    string Description,
    string? ClinicId = null);
