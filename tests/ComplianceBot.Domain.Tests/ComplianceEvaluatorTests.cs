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
        // Two-year cycle: issued 102 days before the birthday, so the first birthday after it plus one year.
        var status = Status("WA_MAC", Ana, Seattle, "2025-06-01", Record("WA_MAC", "2024-03-05"));

        Assert.Equal(D("2025-06-15"), status.DueDate);
        Assert.Equal(ComplianceState.Expiring, status.State);
        Assert.Equal(14, status.DaysLeft);
    }

    [Theory]
    [InlineData("2025-05-20", "2025-06-20", "2027-06-15", ComplianceState.Current)] // renewed in the 90-day window: not expired after the birthday
    [InlineData("2025-03-17", "2025-06-16", "2027-06-15", ComplianceState.Current)] // the window's first day
    [InlineData("2025-06-16", "2025-06-20", "2027-06-15", ComplianceState.Current)] // renewed a day late
    public void KeepsAWashingtonMaCRenewedEarlyCurrentPastTheBirthday(string renewed, string asOf, string due, ComplianceState state)
    {
        var status = Status("WA_MAC", Ana, Seattle, asOf, Record("WA_MAC", renewed));

        Assert.Equal(D(due), status.DueDate);
        Assert.Equal(state, status.State);
    }

    [Theory]
    [InlineData("2025-06-16", "Apply to WA DOH for standard reinstatement (WAC 246-827-0610; do not work as an MA-C until reinstated) until June 14, 2028")]
    [InlineData("2028-06-14", "Apply to WA DOH for standard reinstatement (WAC 246-827-0610; do not work as an MA-C until reinstated) until June 14, 2028")]
    [InlineData("2028-06-15", "Expired 3 years or more (WAC 246-827-0610): if you practise as a medical assistant in another state, verify a current unrestricted, substantially equivalent credential there; otherwise pass an approved exam within the prior 6 months or hold a current national MA certification. Then apply for reinstatement")]
    public void NamesTheWashingtonRouteByHowLongTheMaCHasBeenExpired(string asOf, string advice)
    {
        // Expired on the birthday 2025-06-15; "three years or more" starts on 2028-06-15.
        var status = Status("WA_MAC", Ana, Seattle, asOf, Record("WA_MAC", "2023-06-20"));

        Assert.Equal(D("2025-06-15"), status.DueDate);
        Assert.Equal(ComplianceState.Expired, status.State);
        Assert.Equal(advice, status.LapseAdvice);
    }

    [Theory]
    [InlineData(null, "2024-07-15", ComplianceState.Expiring)] // CLIA from hire when no testing start is recorded
    [InlineData("2024-07-15", "2025-01-15", ComplianceState.Current)] // testing started six months after hire
    public void StartsTheCliaScheduleWhenTheLabTechnicianStartsTesting(string? testingStart, string due, ComplianceState state)
    {
        var tech = Ana with { Role = StaffRole.LabTechnician, TestingStartDate = OrNull(testingStart) };

        var status = Status("CLIA_COMPETENCY", tech, Portland, "2024-06-01");

        Assert.Equal(ComplianceState.Missing, status.State);
        Assert.Equal(D(due), status.DueDate);
        var assessed = Status("CLIA_COMPETENCY", tech, Portland, "2024-06-01", Record("CLIA_COMPETENCY", "2024-01-20"));
        Assert.Equal(state, assessed.State);
    }

    [Theory]
    [InlineData("2005-11-01", null, false)] // certified before 2006: no CCP points owed
    [InlineData("2006-01-01", null, true)]
    [InlineData("2026-02-10", "2004-05-01", false)] // the record holds this year's dues; certified in 2004
    [InlineData("2026-02-10", "2012-05-01", true)]
    public void AsksForRmaCcpPointsOnlyFromRmasCertifiedSince2006(string issued, string? certified, bool required)
    {
        var rma = Record("RMA", issued) with { CertifiedOn = OrNull(certified) };

        var compliance = _evaluator.Evaluate(Portland, Ana, [rma], [], D("2026-03-01"));

        Assert.Equal(required, compliance.Requirements.Any(r => r.RequirementKey == "RMA_CCP"));
    }

    [Fact]
    public void TracksCcpPointsOfAPre2006RmaWhoHadToRecertifyFromTheirRecord()
    {
        var compliance = _evaluator.Evaluate(Portland, Ana, [Record("RMA", "2005-05-01"), Record("RMA_CCP", "2024-05-10")], [], D("2026-03-01"));

        var ccp = Assert.Single(compliance.Requirements, r => r.RequirementKey == "RMA_CCP");
        Assert.Equal(D("2027-05-31"), ccp.DueDate);
    }

    [Theory]
    [InlineData("2026-03-02", 0)] // the first day: BBP is due at initial assignment
    [InlineData("2026-03-03", -1)] // overdue from the day after, with no 30-day grace
    public void DatesAMissingBloodbornePathogensTrainingFromTheFirstDay(string asOf, int daysLeft)
    {
        var newHire = Ana with { HireDate = D("2026-03-02") };

        var status = Status("OSHA_BBP", newHire, Portland, asOf);

        Assert.Equal(ComplianceState.Missing, status.State);
        Assert.Equal(D("2026-03-02"), status.DueDate);
        Assert.Equal(daysLeft, status.DaysLeft);
    }

    [Theory]
    [InlineData("HEPB_VACCINATION")]
    [InlineData("HEPB_DECLINATION")]
    public void AcceptsEitherHepatitisBOutcomeOnce(string code)
    {
        var status = Status("HEPB_VACCINATION|HEPB_DECLINATION", Ana, Portland, "2030-01-01", Record(code, "2024-01-20"));

        Assert.Equal(ComplianceState.Current, status.State);
        Assert.Null(status.DueDate);
        Assert.False(status.DateCheckRequired);
    }

    [Fact]
    public void DatesAMissingHepatitisBOfferTenWorkingDaysAfterHire()
    {
        var newHire = Ana with { HireDate = D("2026-03-06") }; // a Friday

        var status = Status("HEPB_VACCINATION|HEPB_DECLINATION", newHire, Portland, "2026-03-10");

        Assert.Equal((ComplianceState.Missing, D("2026-03-20")), (status.State, status.DueDate));
    }

    [Fact]
    public void BringsAPrintedTrainingDateForwardWhenARetrainingEventFollowsIt()
    {
        RetrainingEvent[] events = [new("HIPAA", D("2025-09-01"), 30, "New privacy notice")];

        var status = Status("HIPAA", Ana, Portland, "2025-09-05", events, Record("HIPAA", "2025-03-01", printed: "2026-03-01"));

        Assert.Equal(D("2025-10-01"), status.DueDate);
        Assert.Equal(ComplianceState.Expiring, status.State);
        Assert.False(status.DateCheckRequired); // the printed date still agrees with the yearly refresher
    }

    [Theory]
    [InlineData(null, ComplianceState.NeedsDateCheck, null)]
    [InlineData("2027-08-31", ComplianceState.Current, "2027-08-31")]
    public void TakesALicencesExpiryOnlyFromThePrintedDate(string? printed, ComplianceState state, string? due)
    {
        var nurse = Ana with { Role = StaffRole.Nurse };

        var status = Status("STATE_LICENSE", nurse, Portland, "2026-01-01", Record("STATE_LICENSE", "2025-08-20", printed));

        Assert.Equal((state, OrNull(due)), (status.State, status.DueDate));
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
            ["BLS|BLS_ARC", "HIPAA", "OSHA_BBP", "OSHA_HAZCOM", "HEPB_VACCINATION|HEPB_DECLINATION", "CMA|RMA|CCMA|NCMA", "TB_EDUCATION", "ACLS", "TB_SCREENING"],
            compliance.Requirements.Select(r => r.RequirementKey));
        var acls = compliance.Requirements[7];
        Assert.Equal("ACLS Provider (AHA)", acls.Requirement);
        Assert.Equal(D("2026-03-31"), acls.DueDate);
        Assert.Equal(ComplianceState.Expiring, acls.State);
        var tb = compliance.Requirements[8];
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
            ["BLS|BLS_ARC", "HIPAA", "OSHA_BBP", "HEPB_VACCINATION|HEPB_DECLINATION", "CMA|RMA|CCMA|NCMA", "TB_EDUCATION"],
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
            Record("OSHA_HAZCOM", "2025-09-10"), Record("CCMA", "2025-09-10"), Record("HEPB_DECLINATION", "2024-01-20"),
            Record("TB_EDUCATION", "2025-09-10"),
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
