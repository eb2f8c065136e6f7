namespace ComplianceBot.Domain.Model;

/// <summary>
/// The dates a roster or record may hold: 1900-01-01 to 2199-12-31. Outside them a date is a placeholder
/// (HR exports write 9999-12-31 or 1/1/0001 for "none") and would overflow the renewal arithmetic. Imports
/// refuse such dates with the row and field; rows stored before that check are read as having no date,
/// so one person's bad cell shows as a missing item instead of stopping the clinic's run, and
/// <see cref="Find"/> names each such date for HR, the digest and the run summary.
/// </summary>
public static class PlausibleDates
{
    public static readonly DateOnly First = new(1900, 1, 1);

    public static readonly DateOnly Last = new(2199, 12, 31);

    public static bool Contains(DateOnly date) => date >= First && date <= Last;

    /// <summary>The date itself when plausible, otherwise null (absent).</summary>
    public static DateOnly? OrNull(DateOnly? date) => date is { } d && !Contains(d) ? null : date;

    /// <summary>The person with any implausible date read as absent.</summary>
    public static StaffMember Sanitized(StaffMember staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        return PlausibleOrAbsent(staff.HireDate) && PlausibleOrAbsent(staff.TestingStartDate)
            ? staff
            : staff with { HireDate = OrNull(staff.HireDate), TestingStartDate = OrNull(staff.TestingStartDate) };
    }

    /// <summary>The record with any implausible date read as absent; null when neither an issue nor an expiry date is left.</summary>
    public static CredentialRecord? Sanitized(CredentialRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (PlausibleOrAbsent(record.IssuedOn) && PlausibleOrAbsent(record.PrintedExpiresOn) && PlausibleOrAbsent(record.CertifiedOn)) return record;
        var cleaned = record with { IssuedOn = OrNull(record.IssuedOn), PrintedExpiresOn = OrNull(record.PrintedExpiresOn), CertifiedOn = OrNull(record.CertifiedOn) };
        return cleaned.IssuedOn is null && cleaned.PrintedExpiresOn is null ? null : cleaned;
    }

    /// <summary>
    /// Every implausible date held by <paramref name="staff"/> and by those people's <paramref name="records"/>,
    /// in roster order, so that the run summary, the digest and the compliance report can name them.
    /// </summary>
    public static IReadOnlyList<ImplausibleDate> Find(IEnumerable<StaffMember> staff, IEnumerable<CredentialRecord> records)
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(records);
        var recordsByPerson = records.ToLookup(r => r.EmployeeId, StringComparer.Ordinal);
        var found = new List<ImplausibleDate>();
        foreach (var person in staff)
        {
            Check(found, person, "hire_date", person.HireDate, null);
            Check(found, person, "testing_start_date", person.TestingStartDate, null);
            foreach (var record in recordsByPerson[person.EmployeeId].OrderBy(r => r.CredentialCode, StringComparer.Ordinal))
            {
                Check(found, person, "issued_on", record.IssuedOn, record.CredentialCode);
                Check(found, person, "expires_on", record.PrintedExpiresOn, record.CredentialCode);
                Check(found, person, "certified_on", record.CertifiedOn, record.CredentialCode);
            }
        }

        return found;
    }

    private static void Check(List<ImplausibleDate> found, StaffMember person, string field, DateOnly? date, string? credentialCode)
    {
        if (date is { } d && !Contains(d)) found.Add(new ImplausibleDate(person, field, d, credentialCode));
    }

    private static bool PlausibleOrAbsent(DateOnly? date) => date is not { } d || Contains(d);
}
