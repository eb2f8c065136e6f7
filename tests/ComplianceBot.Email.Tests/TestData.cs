using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Email.Tests;

/// <summary>Small builders for the plan types the templates render.</summary>
internal static class TestData
{
    public static readonly DateOnly AsOf = new(2026, 3, 24);

    public static Clinic Clinic(string name = "Seattle North Family Practice", params string[] managers) =>
        new("seattle-north", name, "America/Los_Angeles", "WA",
            managers.Length == 0 ? ["manager@clinic.test", "second.manager@clinic.test"] : managers,
            8, Domain.Model.Clinic.MondayToFriday);

    public static StaffMember Staff(string first = "Maria", string last = "Lopez", string email = "maria@clinic.test", string id = "E100") =>
        new(id, first, last, email, "seattle-north", StaffRole.MedicalAssistant, new DateOnly(2020, 1, 6), "WA", null, true);

    public static CredentialType Credential(
        string code,
        string name,
        string renewalSteps = "Take a renewal course.",
        LapseWindow? lapse = null,
        RuleBasis basis = RuleBasis.IssuerRule) =>
        new(code, name, "Issuer", CredentialCategory.Card, new FixedRule(), basis, [60, 30, 7], renewalSteps, "https://example.test", lapse);

    public static RequirementStatus Status(CredentialType? credential, int? daysLeft, string? lapseAdvice = null, bool dateCheck = false, string? requirement = null)
    {
        var state = credential is null ? ComplianceState.Missing
            : daysLeft switch
            {
                null => ComplianceState.NeedsDateCheck,
                < 0 => ComplianceState.Expired,
                0 => ComplianceState.DueToday,
                _ => ComplianceState.Expiring,
            };
        DateOnly? due = daysLeft is { } d ? AsOf.AddDays(d) : null;
        return new RequirementStatus(requirement ?? credential?.Name ?? "Unknown", credential?.Code ?? "MISSING", state, credential, null, due, due, daysLeft, dateCheck, lapseAdvice);
    }

    public static PlannedItem Item(StaffMember staff, RequirementStatus status, int threshold = 30) =>
        new(new LedgerKey("seattle-north", $"R|{staff.EmployeeId}|{status.RequirementKey}|{threshold}"), [], staff, status, threshold);

    public static OutgoingEmail Email(
        string toName = "Maria Lopez",
        string subject = "BLS expires in 7 days",
        string html = "<p>Hello</p>",
        string text = "Hello",
        string toAddress = "maria@clinic.test") =>
        new("op-123", [new EmailAddress(toAddress, toName)], new EmailAddress("manager@clinic.test", "Pat Manager"), subject, html, text, "reminder");

    private sealed record FixedRule : ExpiryRule
    {
        public override DateOnly? ComputeDueDate(ExpiryContext context) => null;

        public override string Describe() => "fixed for tests";
    }
}
