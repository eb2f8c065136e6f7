namespace ComplianceBot.Domain.Model;

/// <summary>
/// A stored date outside <see cref="PlausibleDates"/> (a placeholder such as 9999-12-31 kept from before the import
/// checked dates). It is read as absent, so it never stops a run, and it is reported so that HR corrects it.
/// </summary>
/// <param name="Staff">Whose row holds it.</param>
/// <param name="Field">The import column it came from: <c>hire_date</c>, <c>testing_start_date</c>, <c>issued_on</c>, <c>expires_on</c> or <c>certified_on</c>.</param>
/// <param name="Value">The stored value.</param>
/// <param name="CredentialCode">The record's credential, for a record's date; null for a roster date.</param>
public sealed record ImplausibleDate(StaffMember Staff, string Field, DateOnly Value, string? CredentialCode = null)
{
    /// <summary>Short form for logs and run summaries: the person's id, the credential and the field (never a name).</summary>
    public string Where => CredentialCode is null ? $"{Staff.EmployeeId} {Field}" : $"{Staff.EmployeeId} {CredentialCode} {Field}";
}
