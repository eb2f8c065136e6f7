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
/// <param name="CertifiedOn">
/// The original certification date when it differs from <paramref name="IssuedOn"/> (an RMA whose record holds
/// the last dues payment): sets AMT's anniversary month and whether CCP points apply. Null: the issue date.
/// </param>
/// <param name="Evidence">Name of the certificate file kept for this record (Blob Storage), when there is one.</param>
/// <param name="VerifiedBy">Who checked the certificate (a self-service renewal's approver).</param>
/// <param name="VerifiedAt">When it was checked.</param>
public sealed record CredentialRecord(
    string EmployeeId,
    string CredentialCode,
    DateOnly? IssuedOn,
    DateOnly? PrintedExpiresOn,
    string? CredentialNumber,
    string Source,
    bool Verified,
    DateOnly? CertifiedOn = null,
    string? Evidence = null,
    string? VerifiedBy = null,
    DateTimeOffset? VerifiedAt = null)
{
    /// <summary>When the holder was certified: <see cref="CertifiedOn"/>, else the issue date.</summary>
    public DateOnly? CertificationDate => CertifiedOn ?? IssuedOn;
}

/// <summary>
/// An organization-level event that makes earlier training stale, e.g. a new hazardous chemical
/// (HazCom), a material change to privacy policies (HIPAA), a new test method or instrument (CLIA).
/// Everyone whose last completion of <paramref name="CredentialCode"/> predates <paramref name="EffectiveOn"/>
/// is due again by <paramref name="EffectiveOn"/> plus <paramref name="DueWithinDays"/>.
/// </summary>
/// <param name="ClinicId">The clinic it happened in; null for the whole organization.</param>
public sealed record RetrainingEvent(
    string CredentialCode,
    DateOnly EffectiveOn,
    int DueWithinDays,
    string Description,
    string? ClinicId = null);
