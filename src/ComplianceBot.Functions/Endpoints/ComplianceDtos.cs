using ComplianceBot.Files;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>A staff member as the API shows it (their credential numbers are shown masked, per requirement).</summary>
public sealed record StaffDto(
    string EmployeeId,
    string FirstName,
    string LastName,
    string Email,
    string ClinicId,
    string Role,
    DateOnly? HireDate,
    string State,
    string? BirthMonthDay,
    bool Active)
{
    public static StaffDto From(StaffMember s) =>
        new(s.EmployeeId, s.FirstName, s.LastName, s.Email, s.ClinicId, ImportService.RoleName(s.Role), s.HireDate, s.State, s.BirthMonthDay?.ToString(), s.Active);
}

/// <summary>One requirement's status.</summary>
/// <param name="CredentialNumberMasked">
/// The card or certificate number on record, masked but for its last four characters (<c>•••••6789</c>); null when
/// none was recorded. Only HR and the person's managers read this DTO; the whole number is never shown.
/// </param>
public sealed record RequirementDto(
    string Requirement,
    string RequirementKey,
    string? Credential,
    string? CredentialNumberMasked,
    string Status,
    DateOnly? IssuedOn,
    DateOnly? ExpiresOn,
    DateOnly? ComputedExpiresOn,
    int? DaysLeft,
    bool DateCheck,
    string? Advice,
    string? RuleBasis,
    bool EvidenceOnFile = false,
    string? EvidenceUrl = null,
    string? VerifiedBy = null,
    DateTimeOffset? VerifiedAt = null)
{
    /// <param name="employeeId">Whose requirement it is: the certificate file's link names the person.</param>
    public static RequirementDto From(RequirementStatus s, string employeeId)
    {
        ArgumentNullException.ThrowIfNull(s);
        var evidence = s.Record?.Evidence is not null;
        return new(
            s.Requirement, s.RequirementKey, s.Credential?.Code, CredentialNumbers.Mask(s.Record?.CredentialNumber), ComplianceCsv.StatusText(s.State), s.Record?.IssuedOn, s.DueDate, s.ComputedDueDate, s.DaysLeft, s.DateCheckRequired, s.LapseAdvice, s.Credential?.Basis.ToString(),
            evidence,
            evidence ? $"/api/staff/{Uri.EscapeDataString(employeeId)}/credentials/{Uri.EscapeDataString(s.Record!.CredentialCode)}/file" : null,
            s.Record?.VerifiedBy,
            s.Record?.VerifiedAt);
    }
}

public sealed record StaffComplianceDto(StaffDto Staff, bool NeedsAction, IReadOnlyList<RequirementDto> Requirements)
{
    public static StaffComplianceDto From(StaffCompliance c) =>
        new(StaffDto.From(c.Staff), c.NeedsAction, c.Requirements.Select(r => RequirementDto.From(r, c.Staff.EmployeeId)).ToList());
}

/// <summary>A clinic's compliance.</summary>
/// <param name="DatesToCorrect">Placeholder dates stored before imports checked dates (read as absent: the item shows as missing).</param>
public sealed record ClinicComplianceDto(string ClinicId, DateOnly AsOf, int StaffCount, int NeedsAction, IReadOnlyList<StaffComplianceDto> Staff, IReadOnlyList<DateToCorrectDto> DatesToCorrect);

/// <summary>One stored placeholder date: whose, which column, which credential, what value.</summary>
public sealed record DateToCorrectDto(string EmployeeId, string Name, string Field, string? Credential, DateOnly Value)
{
    public static DateToCorrectDto From(ImplausibleDate d) => new(d.Staff.EmployeeId, d.Staff.DisplayName, d.Field, d.CredentialCode, d.Value);
}

/// <summary>One line of a previewed message.</summary>
public sealed record PreviewItemDto(string EmployeeId, string Name, string Requirement, string? Credential, string Status, DateOnly? ExpiresOn, int? DaysLeft, int Threshold);

/// <summary>One message the timers would send.</summary>
public sealed record PreviewMessageDto(string Kind, IReadOnlyList<string> To, IReadOnlyList<PreviewItemDto> Items, IReadOnlyDictionary<string, int>? Counts);

public sealed record PreviewDto(string ClinicId, DateOnly AsOf, bool BusinessDay, IReadOnlyList<PreviewMessageDto> Messages)
{
    public static PreviewDto From(ReminderPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var messages = new List<PreviewMessageDto>();
        messages.AddRange(plan.Reminders.Select(r => new PreviewMessageDto("reminder", [r.Recipient.Email], r.Items.Select(Item).ToList(), null)));
        messages.AddRange(plan.Escalations.Select(e => new PreviewMessageDto("escalation", e.ManagerEmails, e.Items.Select(Item).ToList(), null)));
        if (plan.Digest is { } d)
        {
            var counts = Enum.GetValues<DigestSection>().ToDictionary(s => s.ToString(), d.Count);
            messages.Add(new PreviewMessageDto(
                "digest",
                d.ManagerEmails,
                d.Lines.Select(l => new PreviewItemDto(l.Staff.EmployeeId, l.Staff.DisplayName, l.Status.Requirement, l.Status.Credential?.Code, ComplianceCsv.StatusText(l.Status.State), l.Status.DueDate, l.Status.DaysLeft, 0)).ToList(),
                counts));
        }

        return new PreviewDto(plan.Clinic.Id, plan.AsOf, plan.Clinic.IsBusinessDay(plan.AsOf), messages);
    }

    private static PreviewItemDto Item(PlannedItem i) =>
        new(i.Staff.EmployeeId, i.Staff.DisplayName, i.Status.Requirement, i.Status.Credential?.Code, ComplianceCsv.StatusText(i.Status.State), i.Status.DueDate, i.Status.DaysLeft, i.Threshold);
}
