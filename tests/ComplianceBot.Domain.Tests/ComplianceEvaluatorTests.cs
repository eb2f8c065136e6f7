using System.Text;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using static ComplianceBot.Domain.Tests.TestDates;

namespace ComplianceBot.Domain.Tests;

public class ComplianceEvaluatorTests
{
    private static readonly Clinic Portland =
        new("portland", "Portland Family Medicine", "America/Los_Angeles", "OR", ["om@example.test"], 8, Clinic.MondayToFriday);

    private static readonly Clinic Seattle = Portland with { Id = "seattle", State = "WA" };

    private static readonly StaffMember Ana = new(
        "E100", "Ana", "Lopez", "ana@example.test", "portland", StaffRole.MedicalAssistant,
        D("2024-01-15"), "OR", new MonthDay(6, 15), Active: true);

    private readonly ComplianceEvaluator _evaluator = new(CredentialCatalog.Default, RequirementPolicy.Default);

    private static CredentialRecord Record(string code, string? issued, string? printed = null, string employeeId = "E100") =>
        new(employeeId, code, OrNull(issued), OrNull(printed), null, "test", Verified: false);

    private RequirementStatus Status(string key, StaffMember staff, Clinic clinic, string asOf, params CredentialRecord[] records) =>
        Status(key, staff, clinic, asOf, [], records);

    private RequirementStatus Status(
        string key, StaffMember staff, Clinic clinic, string asOf, RetrainingEvent[] events, params CredentialRecord[] records) =>
        Assert.Single(_evaluator.Evaluate(clinic, staff, records, events, D(asOf)).Requirements, s => s.RequirementKey == key);

    // BLS issued 2024-03-05 is due 2026-03-31 (AHA: end of month, 24 months); the largest BLS threshold is 90 days.
    [Theory]
    [InlineData("2025-12-30", ComplianceState.Current, 91)]
    [InlineData("2025-12-31", ComplianceState.Expiring, 90)]
    [InlineData("2026-03-01", ComplianceState.Expiring, 30)]
    [InlineData("2026-03-30", ComplianceState.Expiring, 1)]
    [InlineData("2026-03-31", ComplianceState.DueToday, 0)]
    [InlineData("2026-04-01", ComplianceState.Expired, -1)]
    [InlineData("2027-03-31", ComplianceState.Expired, -365)]
    public void ReportsStateWhenBlsCardAges(string asOf, ComplianceState state, int daysLeft)
    {
        var status = Status("BLS|BLS_ARC", Ana, Portland, asOf, Record("BLS", "2024-03-05"));

        Assert.Equal(state, status.State);
        Assert.Equal(daysLeft, status.DaysLeft);
        Assert.Equal(D("2026-03-31"), status.DueDate);
        Assert.Equal(D("2026-03-31"), status.ComputedDueDate);
        Assert.False(status.DateCheckRequired);
        Assert.Null(status.LapseAdvice); // AHA has no lapse window
        Assert.Equal("BLS (AHA or Red Cross)", status.Requirement);
        Assert.Equal("BLS", status.Credential?.Code);
    }

    // CMA certified 2021-03-10 is due 2026-03-31; AAMA leaves the CE route open 90 days, through 2026-06-29.
    [Theory]
    [InlineData("2026-04-01", "Recertify by continuing education (60 points: 10 administrative, 10 clinical, 10 general, 30 any; at least 30 AAMA-approved) until June 29, 2026")]
    [InlineData("2026-06-29", "Recertify by continuing education (60 points: 10 administrative, 10 clinical, 10 general, 30 any; at least 30 AAMA-approved) until June 29, 2026")]
    [InlineData("2026-06-30", "CE route closed: retake the CMA exam and pay the reactivation fee")]
    [InlineData("2028-01-01", "CE route closed: retake the CMA exam and pay the reactivation fee")]
    public void GivesLapseAdviceWhenCmaExpired(string asOf, string advice)
    {
        var status = Status("CMA|RMA|CCMA|NCMA", Ana, Portland, asOf, Record("CMA", "2021-03-10"));

        Assert.Equal(ComplianceState.Expired, status.State);
        Assert.Equal(D("2026-03-31"), status.DueDate);
        Assert.Equal(advice, status.LapseAdvice);
    }

    [Fact]
    public void GivesNoLapseAdviceWhenCmaNotYetExpired()
    {
        var status = Status("CMA|RMA|CCMA|NCMA", Ana, Portland, "2026-03-31", Record("CMA", "2021-03-10"));
        Assert.Equal(ComplianceState.DueToday, status.State);
        Assert.Null(status.LapseAdvice);
    }

    [Fact]
    public void ReportsMissingWithoutDueDateWhenNoCertificationHeld()
    {
        var status = Status("CMA|RMA|CCMA|NCMA", Ana, Portland, "2026-01-10");

        Assert.Equal(ComplianceState.Missing, status.State);
        Assert.Equal("Medical assistant certification (CMA, RMA, CCMA or NCMA)", status.Requirement);
        Assert.Null(status.Credential);
        Assert.Null(status.Record);
        Assert.Null(status.DueDate);
        Assert.Null(status.DaysLeft);
    }

    [Theory]
    [InlineData("2026-01-10", "2026-02-04", 25)] // inside the 30-day grace
    [InlineData("2026-02-04", "2026-02-04", 0)]
    [InlineData("2026-03-01", "2026-02-04", -25)] // grace over, still missing
    public void ReportsMissingWithHireGraceWhenHipaaNeverDone(string asOf, string due, int daysLeft)
    {
        var newHire = Ana with { HireDate = D("2026-01-05") };

        var status = Status("HIPAA", newHire, Portland, asOf);

        Assert.Equal(ComplianceState.Missing, status.State);
        Assert.Equal(D(due), status.DueDate);
        Assert.Equal(daysLeft, status.DaysLeft);
        Assert.False(status.DateCheckRequired);
    }

    [Fact]
    public void ReportsMissingWithFirstStageWhenCliaNeverAssessed()
    {
        var tech = Ana with { Role = StaffRole.LabTechnician, HireDate = D("2025-08-31") };

        var status = Status("CLIA_COMPETENCY", tech, Portland, "2026-01-31");

        Assert.Equal(ComplianceState.Missing, status.State);
        Assert.Equal(D("2026-02-28"), status.DueDate);
        Assert.Equal(28, status.DaysLeft);
    }

    [Fact]
    public void UsesPrintedDateWhenPrintedAndComputedAgreeWithinAMonth()
    {
        var status = Status("BLS|BLS_ARC", Ana, Portland, "2026-01-01", Record("BLS", "2024-03-05", printed: "2026-03-20"));

        Assert.Equal(D("2026-03-20"), status.DueDate);
        Assert.Equal(D("2026-03-31"), status.ComputedDueDate);
        Assert.Equal(78, status.DaysLeft);
        Assert.False(status.DateCheckRequired);
        Assert.Equal(ComplianceState.Expiring, status.State);
    }

    [Theory]
    [InlineData("2026-05-01", false, ComplianceState.Current)] // 31 days after the computed date
    [InlineData("2026-05-02", true, ComplianceState.NeedsDateCheck)] // 32 days after
    [InlineData("2026-02-28", false, ComplianceState.Current)] // 31 days before
    [InlineData("2026-02-27", true, ComplianceState.NeedsDateCheck)] // 32 days before
    public void FlagsDateCheckWhenPrintedDiffersFromComputedByMoreThanAMonth(string printed, bool flagged, ComplianceState state)
    {
        var status = Status("BLS|BLS_ARC", Ana, Portland, "2025-06-01", Record("BLS", "2024-03-05", printed));

        Assert.Equal(D(printed), status.DueDate);
        Assert.Equal(flagged, status.DateCheckRequired);
        Assert.Equal(state, status.State);
    }

    [Fact]
    public void KeepsExpiredStateButFlagsDateCheckWhenPrintedDateDisagreesAndHasPassed()
    {
        var status = Status("BLS|BLS_ARC", Ana, Portland, "2025-06-01", Record("BLS", "2024-03-05", printed: "2025-05-01"));

        Assert.Equal(ComplianceState.Expired, status.State);
        Assert.True(status.DateCheckRequired);
        Assert.Equal(-31, status.DaysLeft);
    }

    [Fact]
    public void NeedsDateCheckWhenBirthdayUnknownAndNoPrintedDate()
    {
        var noBirthday = Ana with { BirthMonthDay = null };

        var status = Status("WA_MAC", noBirthday, Seattle, "2025-01-01", Record("WA_MAC", "2024-03-05"));

        Assert.Equal(ComplianceState.NeedsDateCheck, status.State);
        Assert.True(status.DateCheckRequired);
        Assert.Null(status.DueDate);
        Assert.Null(status.DaysLeft);
    }

    [Fact]
    public void UsesPrintedDateWithoutDateCheckWhenBirthdayUnknown()
    {
        var noBirthday = Ana with { BirthMonthDay = null };

        var status = Status("WA_MAC", noBirthday, Seattle, "2025-01-01", Record("WA_MAC", "2024-03-05", printed: "2025-06-15"));

        Assert.Equal(ComplianceState.Current, status.State);
        Assert.False(status.DateCheckRequired);
        Assert.Null(status.ComputedDueDate);
        Assert.Equal(D("2025-06-15"), status.DueDate);
    }

    [Fact]
    public void ComputesBirthdayExpiryWhenBirthdayKnown()
    {
        var status = Status("WA_MAC", Ana, Seattle, "2024-06-01", Record("WA_MAC", "2024-03-05"));

        Assert.Equal(D("2024-06-15"), status.DueDate);
        Assert.Equal(ComplianceState.Expiring, status.State);
        Assert.Equal(14, status.DaysLeft);
    }

    [Fact]
    public void FlagsDateCheckWhenIssuedInTheFuture()
    {
        var status = Status("BLS|BLS_ARC", Ana, Portland, "2025-01-01", Record("BLS", "2025-03-05"));

        Assert.True(status.DateCheckRequired);
        Assert.Equal(ComplianceState.NeedsDateCheck, status.State);
        Assert.Equal(D("2027-03-31"), status.DueDate);
    }

    [Fact]
    public void NeedsDateCheckWhenRecordHasNoDates()
    {
        var status = Status("HIPAA", Ana, Portland, "2025-01-01", Record("HIPAA", null));

        Assert.Equal(ComplianceState.NeedsDateCheck, status.State);
        Assert.True(status.DateCheckRequired);
        Assert.Null(status.DueDate);
    }

    [Fact]
    public void PicksLatestDueDateWhenSeveralOptionsHeld()
    {
        var status = Status(
            "BLS|BLS_ARC", Ana, Portland, "2026-01-01",
            Record("BLS", "2024-03-05"), Record("BLS_ARC", "2025-01-10"));

        Assert.Equal("BLS_ARC", status.Credential?.Code);
        Assert.Equal(D("2027-01-10"), status.DueDate);
        Assert.Equal(ComplianceState.Current, status.State);
        Assert.Equal("BLS|BLS_ARC", status.RequirementKey);
    }

    [Fact]
    public void PicksLatestRecordWhenSameCodeRecordedTwice()
    {
        var status = Status("OSHA_BBP", Ana, Portland, "2025-03-01", Record("OSHA_BBP", "2024-02-01"), Record("BBP", "2025-02-20"));

        Assert.Equal(D("2026-02-20"), status.DueDate);
        Assert.Equal(ComplianceState.Current, status.State);
    }

    [Fact]
    public void BringsHipaaDueDateForwardWhenPolicyChangesInThisClinic()
    {
        RetrainingEvent[] events =
        [
            new("HIPAA", D("2025-06-01"), 30, "New privacy notice", "portland"),
            new("HIPAA", D("2025-05-01"), 10, "Seattle-only change", "seattle"),
        ];

        var status = Status("HIPAA", Ana, Portland, "2025-06-20", events, Record("HIPAA", "2025-02-10"));

        Assert.Equal(D("2025-07-01"), status.DueDate);
        Assert.Equal(ComplianceState.Expiring, status.State);
        Assert.Equal(11, status.DaysLeft);
    }

    [Fact]
    public void MatchesEventsByAliasWhenEventNamesAlias()
    {
        RetrainingEvent[] events = [new("hazcom", D("2025-06-01"), 0, "New disinfectant")];

        var status = Status("OSHA_HAZCOM", Ana, Portland, "2025-06-02", events, Record("OSHA_HAZCOM", "2025-02-10"));

        Assert.Equal(D("2025-06-01"), status.DueDate);
        Assert.Equal(ComplianceState.Expired, status.State);
    }

    [Fact]
    public void ListsHeldButNotRequiredRecordsAfterRequirementsWhenEvaluated()
    {
        CredentialRecord[] records =
        [
            Record("BLS", "2025-03-05"),
            Record("ACLS", "2024-03-05"),
            Record("TB", "2024-01-10"),
            Record("ACLS", "2023-01-05", employeeId: "E999"), // someone else's
        ];

        var compliance = _evaluator.Evaluate(Portland, Ana, records, [], D("2026-01-01"));

        Assert.Equal(
            ["BLS|BLS_ARC", "HIPAA", "OSHA_BBP", "OSHA_HAZCOM", "CMA|RMA|CCMA|NCMA", "ACLS", "TB_SCREENING"],
            compliance.Requirements.Select(r => r.RequirementKey));
        var acls = compliance.Requirements[5];
        Assert.Equal("ACLS Provider (AHA)", acls.Requirement);
        Assert.Equal(D("2026-03-31"), acls.DueDate);
        Assert.Equal(ComplianceState.Expiring, acls.State);
        var tb = compliance.Requirements[6];
        Assert.Equal(ComplianceState.Current, tb.State);
        Assert.Null(tb.DueDate);
        Assert.False(tb.DateCheckRequired);
        Assert.True(compliance.NeedsAction);
    }

    [Fact]
    public void EvaluatesRecordOnItsOwnWhenNotARequirement()
    {
        var status = _evaluator.EvaluateRecord(Portland, Ana, Record("PALS", "2024-02-29"), [], D("2026-02-28"));

        Assert.Equal("PALS", status.RequirementKey);
        Assert.Equal(ComplianceState.DueToday, status.State);
        Assert.Equal(D("2026-02-28"), status.DueDate);
    }

    [Fact]
    public void NeedsDateCheckWhenRecordCodeUnknown()
    {
        var status = _evaluator.EvaluateRecord(Portland, Ana, Record("GUESSWORK", "2024-01-01"), [], D("2025-01-01"));

        Assert.Equal(ComplianceState.NeedsDateCheck, status.State);
        Assert.Null(status.Credential);
        Assert.Equal("GUESSWORK", status.RequirementKey);
    }

    [Fact]
    public void LeavesOutSwitchedOffTypesWhenOrganizationDisablesThem()
    {
        var catalog = CredentialCatalog.Default.WithOverrides(new MemoryStream(Encoding.UTF8.GetBytes(
            """[{ "code": "FLU_VACCINE", "enabled": false }, { "code": "OSHA_HAZCOM", "enabled": false }]""")));
        var evaluator = new ComplianceEvaluator(catalog, RequirementPolicy.Default);

        var compliance = evaluator.Evaluate(Portland, Ana, [Record("FLU", "2025-10-01")], [], D("2026-01-01"));

        Assert.Equal(
            ["BLS|BLS_ARC", "HIPAA", "OSHA_BBP", "CMA|RMA|CCMA|NCMA"],
            compliance.Requirements.Select(r => r.RequirementKey));
    }

    [Fact]
    public void UsesOverriddenHipaaGraceWhenOrganizationChangesIt()
    {
        var catalog = CredentialCatalog.Default.WithOverrides(new MemoryStream(Encoding.UTF8.GetBytes(
            """[{ "code": "HIPAA", "rule": { "kind": "EventDriven", "dueWithinDaysOfHire": 14 } }]""")));
        var evaluator = new ComplianceEvaluator(catalog, RequirementPolicy.Default);
        var newHire = Ana with { HireDate = D("2025-12-28") };

        var status = Assert.Single(
            evaluator.Evaluate(Portland, newHire, [], [], D("2026-01-01")).Requirements, r => r.RequirementKey == "HIPAA");

        Assert.Equal(D("2026-01-11"), status.DueDate);
    }

    [Fact]
    public void EvaluatesInactiveStaffLikeActiveStaff()
    {
        var left = Ana with { Active = false };

        var status = Status("BLS|BLS_ARC", left, Portland, "2026-04-01", Record("BLS", "2024-03-05"));

        Assert.Equal(ComplianceState.Expired, status.State);
    }

    [Fact]
    public void IsCurrentAndNeedsNoActionWhenEverythingIsCurrent()
    {
        CredentialRecord[] records =
        [
            Record("BLS", "2025-09-10"), Record("HIPAA", "2025-09-10"), Record("OSHA_BBP", "2025-09-10"),
            Record("OSHA_HAZCOM", "2025-09-10"), Record("CCMA", "2025-09-10"),
        ];

        var compliance = _evaluator.Evaluate(Portland, Ana, records, [], D("2026-01-01"));

        Assert.All(compliance.Requirements, r => Assert.Equal(ComplianceState.Current, r.State));
        Assert.False(compliance.NeedsAction);
    }

    [Theory]
    [InlineData("2026-03-07", "2026-03-09", 2)] // across the US DST change: calendar days only
    [InlineData("2025-12-31", "2026-01-01", 1)]
    [InlineData("2024-02-28", "2024-03-01", 2)]
    [InlineData("2025-02-28", "2025-03-01", 1)]
    [InlineData("2026-01-01", "2025-12-31", -1)]
    [InlineData("2026-01-01", "2026-01-01", 0)]
    public void CountsCalendarDaysWhenGivenTwoDates(string from, string to, int expected) =>
        Assert.Equal(expected, ComplianceEvaluator.DaysBetween(D(from), D(to)));
}
