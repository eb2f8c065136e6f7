using System.Globalization;
using ComplianceBot.Application.Import;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Domain.Model;
using CsvHelper;

namespace ComplianceBot.Files;

/// <summary>
/// Writes compliance reports and row-error reports as RFC 4180 CSV that is safe to open in a
/// spreadsheet: a cell starting with = + - @, a tab or a carriage return is prefixed with an
/// apostrophe so it is shown as text, never run as a formula (CWE-1236).
/// </summary>
public static class ComplianceCsv
{
    /// <summary>
    /// The surveyor report's columns. <c>credential_number_masked</c> holds the card or certificate number masked
    /// but for its last four characters (<see cref="CredentialNumbers.Mask"/>): the report goes to HR, managers and
    /// surveyors, never the whole number.
    /// </summary>
    public static readonly IReadOnlyList<string> ReportColumns =
        ["clinic_id", "employee_id", "first_name", "last_name", "role", "requirement", "credential", "credential_number_masked", "status", "issued_on", "due_on", "days_left", "date_check", "advice", "evidence_on_file", "verified_by", "verified_on"];

    /// <summary>Makes one cell inert for spreadsheets.</summary>
    public static string Neutralize(string? value)
    {
        if (string.IsNullOrEmpty(value)) return string.Empty;

        // A plain integer such as an overdue item's days_left (-45) cannot run as a formula; an
        // apostrophe would turn it into text that no longer sorts or sums.
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return value;
        return value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
    }

    public static async Task WriteReportAsync(ClinicCompliance report, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var column in ReportColumns) csv.WriteField(column);
        await csv.NextRecordAsync().ConfigureAwait(false);
        foreach (var person in report.Staff)
        {
            foreach (var status in person.Requirements)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string?[] cells =
                [
                    report.Clinic.Id,
                    person.Staff.EmployeeId,
                    person.Staff.FirstName,
                    person.Staff.LastName,
                    ImportService.RoleName(person.Staff.Role),
                    status.Requirement,
                    status.Credential?.Code,
                    CredentialNumbers.Mask(status.Record?.CredentialNumber),
                    StatusText(status.State),
                    status.Record?.IssuedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    status.DueDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    status.DaysLeft?.ToString(CultureInfo.InvariantCulture),
                    status.DateCheckRequired ? "check this date" : string.Empty,
                    status.LapseAdvice,
                    status.Record is null ? string.Empty : status.Record.Evidence is null ? "no" : "yes",
                    status.Record?.VerifiedBy,
                    status.Record?.VerifiedAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ];
                foreach (var cell in cells) csv.WriteField(Neutralize(cell));
                await csv.NextRecordAsync().ConfigureAwait(false);
            }
        }

        await csv.FlushAsync().ConfigureAwait(false);
    }

    public static async Task WriteErrorsAsync(IEnumerable<RowError> errors, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(errors);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        csv.WriteField("row");
        csv.WriteField("field");
        csv.WriteField("reason");
        await csv.NextRecordAsync().ConfigureAwait(false);
        foreach (var e in errors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            csv.WriteField(e.Row.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(Neutralize(e.Field));
            csv.WriteField(Neutralize(e.Reason));
            await csv.NextRecordAsync().ConfigureAwait(false);
        }

        await csv.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Status as people read it: "current", "expiring", "due today", "expired", "missing", "check date".</summary>
    public static string StatusText(Domain.Planning.ComplianceState state) => state switch
    {
        Domain.Planning.ComplianceState.Current => "current",
        Domain.Planning.ComplianceState.NeedsDateCheck => "check date",
        Domain.Planning.ComplianceState.Expiring => "expiring",
        Domain.Planning.ComplianceState.DueToday => "due today",
        Domain.Planning.ComplianceState.Expired => "expired",
        _ => "missing",
    };
}
