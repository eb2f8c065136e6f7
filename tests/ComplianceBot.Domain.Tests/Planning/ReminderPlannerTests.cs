using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Domain.Tests.Planning;

public class ReminderPlannerTests
{
    // A Wednesday.
    private static readonly DateOnly Today = new(2026, 11, 18);

    private static readonly Clinic Clinic = new("austin", "Riverside", "America/Chicago", "TX", ["boss@riverside.example"], 7, Clinic.MondayToFriday);

    private static readonly ReminderPlanner Planner = new(new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default), CredentialCatalog.Default, new ReminderSettings());

    private static StaffMember Ma(string id, bool active = true, DateOnly? hired = null) =>
        new(id, "Ana " + id, "Lopez", $"{id.ToLowerInvariant()}@riverside.example", Clinic.Id, StaffRole.MedicalAssistant, hired ?? new DateOnly(2020, 1, 6), "TX", null, active);

    /// <summary>A complete, current set of records for a medical assistant, with BLS due on <paramref name="blsDue"/>.</summary>
    private static List<CredentialRecord> Records(string id, DateOnly blsDue) =>
    [
        new(id, "BLS", blsDue.AddMonths(-24), blsDue, "123", "test", true),
        new(id, "HIPAA", Today.AddDays(-100), null, null, "test", true),
        new(id, "OSHA_BBP", Today.AddDays(-100), null, null, "test", true),
        new(id, "OSHA_HAZCOM", Today.AddDays(-100), null, null, "test", true),
        new(id, "CMA", Today.AddMonths(-12), null, null, "test", true),
        new(id, "HEPB_VACCINATION", new DateOnly(2020, 1, 10), null, null, "test", true),
        new(id, "TB_EDUCATION", Today.AddDays(-100), null, null, "test", true),
    ];

    private static PlanningInput Input(IReadOnlyList<StaffMember> staff, IReadOnlyList<CredentialRecord> records, DateOnly asOf, DateOnly? lastRun, IEnumerable<string>? done = null) =>
        new(Clinic, staff, records, [], asOf, lastRun, new HashSet<string>(done ?? []));

    [Fact]
    public void PlansOneReminderWithEveryDueItemSoonestFirstWhenSeveralThresholdsAreCrossedToday()
    {
        var staff = Ma("E1");
        var records = Records("E1", Today.AddDays(30));
        records.RemoveAll(r => r.CredentialCode == "OSHA_BBP");
        records.Add(new CredentialRecord("E1", "OSHA_BBP", Today.AddDays(-365 + 7), null, null, "test", true)); // due in 7 days

        var plan = Planner.Plan(Input([staff], records, Today, Today.AddDays(-1)));

        var reminder = Assert.Single(plan.Reminders);
        Assert.Equal("E1", reminder.Recipient.EmployeeId);
        Assert.Equal(["OSHA_BBP", "BLS"], reminder.Items.Select(i => i.Status.Credential!.Code));
        Assert.Equal([7, 30], reminder.Items.Select(i => i.Threshold));
        Assert.Equal("R|E1|BLS|2026-12-18|30", reminder.Items[1].Key.Value);
    }

    [Fact]
    public void EscalatesAndDigestsToTheGoodManagersWhenOneStoredManagerAddressIsMalformed()
    {
        // Stored before addresses were checked at input: one bad recipient makes SendGrid refuse the whole message.
        var clinic = Clinic with { ManagerEmails = ["boss@riverside.example", "not an address", "office@@riverside", " second@riverside.example ", "BOSS@riverside.example"] };
        var late = Ma("E1");
        var records = Records("E1", Today.AddDays(-1)); // BLS expired yesterday: managers hear on day 1
        var input = new PlanningInput(clinic, [late], records, [], Today, Today.AddDays(-1), new HashSet<string>());

        var plan = Planner.Plan(input);

        Assert.Equal(["boss@riverside.example", "second@riverside.example"], Assert.Single(plan.Escalations).ManagerEmails);
        Assert.Equal(["boss@riverside.example", "second@riverside.example"], plan.Digest!.ManagerEmails);
    }

    [Fact]
    public void OnePersonsPlaceholderDatesStoredBeforeTheImportCheckNeitherThrowNorStopTheOthersReminders()
    {
        // Rows written before imports refused 9999-12-31 and 0001-01-01 ("Value to add was out of range").
        var odd = Ma("E9", hired: new DateOnly(9999, 12, 31));
        var records = Records("E1", Today.AddDays(30));
        records.Add(new CredentialRecord("E9", "BLS", new DateOnly(1, 1, 1), new DateOnly(1, 1, 1), "9", "test", true));
        records.Add(new CredentialRecord("E9", "HIPAA", new DateOnly(9999, 12, 31), null, null, "test", true));

        var plan = Planner.Plan(Input([Ma("E1"), odd], records, Today, Today.AddDays(-1)));

        Assert.Equal(["E1", "E9"], plan.Reminders.Select(r => r.Recipient.EmployeeId).Order());
        // E9's placeholder BLS and HIPAA records read as absent: the items show as missing, for HR to correct.
        var e9 = Planner.Evaluate(Input([odd], records, Today, null), [odd]).Single();
        Assert.Equal(ComplianceState.Missing, e9.Requirements.Single(r => r.RequirementKey == RequirementPolicy.Bls.Key).State);
        Assert.Equal(ComplianceState.Missing, e9.Requirements.Single(r => r.Requirement.StartsWith("HIPAA", StringComparison.Ordinal)).State);
        // And each placeholder is named, for the run summary and the managers' digest.
        string[] named = ["E9 hire_date", "E9 BLS issued_on", "E9 BLS expires_on", "E9 HIPAA issued_on"];
        Assert.Equal(named, plan.DatesToCorrect.Select(d => d.Where));
        Assert.Equal(named, plan.Digest!.DatesToCorrect.Select(d => d.Where));
        Assert.Equal(new DateOnly(9999, 12, 31), plan.DatesToCorrect[0].Value);
    }

    [Fact]
    public void SendsOnTheOrganizationsDefaultThresholdsForAnEntryWithoutItsOwnAndCallsItExpiringFromTheLargest()
    {
        // CCMA names no thresholds in the catalog, so Reminders:DefaultThresholds = 45,10 applies to it.
        var catalog = CredentialCatalog.Default.WithDefaultThresholds([10, 45]);
        var planner = new ReminderPlanner(new ComplianceEvaluator(catalog, RequirementPolicy.Default), catalog, new ReminderSettings());
        var records = Records("E1", Today.AddDays(400));
        records.RemoveAll(r => r.CredentialCode == "CMA");
        records.Add(new CredentialRecord("E1", "CCMA", Today.AddDays(45).AddMonths(-24), Today.AddDays(45), null, "test", true));

        var plan = planner.Plan(Input([Ma("E1")], records, Today, Today.AddDays(-1)));

        var item = Assert.Single(Assert.Single(plan.Reminders).Items);
        Assert.Equal(("R|E1|CCMA|2027-01-02|45", 45, ComplianceState.Expiring), (item.Key.Value, item.Threshold, item.Status.State));
        Assert.Equal([45, 10], catalog.ThresholdsOf(catalog.Get("CCMA")));
        // An entry with its own thresholds keeps them.
        Assert.Equal([180, 90, 60, 30, 14, 7, 1, 0], catalog.ThresholdsOf(catalog.Get("CMA")));
    }

    [Fact]
    public void IgnoresTheBuiltInDefaultDaysOnceTheOrganizationSetsItsOwn()
    {
        var catalog = CredentialCatalog.Default.WithDefaultThresholds([45, 10]);
        var planner = new ReminderPlanner(new ComplianceEvaluator(catalog, RequirementPolicy.Default), catalog, new ReminderSettings());
        var records = Records("E1", Today.AddDays(400));
        records.RemoveAll(r => r.CredentialCode == "CMA");
        records.Add(new CredentialRecord("E1", "CCMA", Today.AddDays(60).AddMonths(-24), Today.AddDays(60), null, "test", true));

        var plan = planner.Plan(Input([Ma("E1")], records, Today, Today.AddDays(-1)));

        Assert.Empty(plan.Reminders);
        var status = planner.Evaluate(Input([Ma("E1")], records, Today, null), [Ma("E1")]).Single().Requirements.Single(r => r.Credential?.Code == "CCMA");
        Assert.Equal(ComplianceState.Current, status.State);
    }

    [Fact]
    public void PlansNothingWhenNoThresholdWasCrossedSinceTheLastRun()
    {
        var plan = Planner.Plan(Input([Ma("E1")], Records("E1", Today.AddDays(29)), Today, Today.AddDays(-1)));

        Assert.Empty(plan.Reminders);
        Assert.Empty(plan.Escalations);
    }

    [Fact]
    public void PlansNothingAgainWhenTheThresholdIsAlreadyInTheLedger()
    {
        var done = new[] { "R|E1|BLS|2026-12-18|30" };

        var plan = Planner.Plan(Input([Ma("E1")], Records("E1", Today.AddDays(30)), Today, Today.AddDays(-1), done));

        Assert.Empty(plan.Reminders);
    }

    [Fact]
    public void CatchesUpThresholdsCrossedOnDaysWithoutARunOnce()
    {
        // Last run three days ago; the 1-day threshold was crossed yesterday and the 0-day one today.
        var plan = Planner.Plan(Input([Ma("E1")], Records("E1", Today), Today, Today.AddDays(-3)));

        var item = Assert.Single(Assert.Single(plan.Reminders).Items);
        Assert.Equal(0, item.Threshold);
        Assert.Equal(["R|E1|BLS|2026-11-18|0", "R|E1|BLS|2026-11-18|1"], item.AllKeys.Select(k => k.Value));
    }

    [Fact]
    public void ReportsOnlyTodaysStandingOnAClinicsFirstRun()
    {
        var plan = Planner.Plan(Input([Ma("E1")], Records("E1", Today.AddDays(10)), Today, lastRun: null));

        var item = Assert.Single(Assert.Single(plan.Reminders).Items);
        Assert.Equal(14, item.Threshold);
        Assert.Empty(item.AlsoCrossed);
    }

    [Fact]
    public void StartsANewSeriesWhenARenewalChangesTheDueDate()
    {
        // The 30-day reminder for the old card went out; the card was renewed and is now due in two years.
        var done = new[] { "R|E1|BLS|2026-12-18|30" };
        var renewed = Records("E1", Today.AddMonths(24).AddDays(12));

        var quiet = Planner.Plan(Input([Ma("E1")], renewed, Today, Today.AddDays(-1), done));
        Assert.Empty(quiet.Reminders);

        var later = Today.AddMonths(24).AddDays(12).AddDays(-90);
        var next = Planner.Plan(Input([Ma("E1")], renewed, later, later.AddDays(-1), done));
        var item = Assert.Single(Assert.Single(next.Reminders).Items);
        Assert.StartsWith("R|E1|BLS|2028-11-30|90", item.Key.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void SendsNothingToInactiveStaff()
    {
        var plan = Planner.Plan(Input([Ma("E1", active: false)], Records("E1", Today.AddDays(30)), Today, Today.AddDays(-1)));

        Assert.Empty(plan.Reminders);
        Assert.Empty(plan.Escalations);
        Assert.Empty(plan.Digest!.Lines); // Managers still get their (all-clear) digest.
    }

    [Fact]
    public void SendsNothingOnADayOffAndCatchesUpOnTheNextBusinessDay()
    {
        var saturday = new DateOnly(2026, 11, 21);
        var monday = new DateOnly(2026, 11, 23);
        var records = Records("E1", saturday.AddDays(7)); // 7-day threshold crossed on Saturday

        Assert.True(Planner.Plan(Input([Ma("E1")], records, saturday, saturday.AddDays(-1))).IsEmpty);

        var plan = Planner.Plan(Input([Ma("E1")], records, monday, new DateOnly(2026, 11, 20)));
        var item = Assert.Single(Assert.Single(plan.Reminders).Items);
        Assert.Equal(7, item.Threshold);
    }

    [Fact]
    public void RepeatsWeeklyWhileOverdueAndEscalatesToManagers()
    {
        var due = Today.AddDays(-14);
        var plan = Planner.Plan(Input([Ma("E1")], Records("E1", due), Today, Today.AddDays(-1)));

        var reminder = Assert.Single(plan.Reminders);
        Assert.Equal(-14, Assert.Single(reminder.Items).Threshold);
        Assert.Equal(ComplianceState.Expired, reminder.Items[0].Status.State);

        // Managers heard on day 1 and day 8; day 15 is tomorrow.
        Assert.Empty(plan.Escalations);
        var tomorrow = Planner.Plan(Input([Ma("E1")], Records("E1", due), Today.AddDays(1), Today));
        var escalation = Assert.Single(tomorrow.Escalations);
        Assert.Equal(["boss@riverside.example"], escalation.ManagerEmails);
        Assert.Equal(-15, Assert.Single(escalation.Items).Threshold);
    }

    [Fact]
    public void EscalatesMissingCertificationOnlyAfterTheHiringGracePeriod()
    {
        var records = Records("E1", Today.AddDays(300));
        records.RemoveAll(r => r.CredentialCode == "CMA");

        var newHire = Planner.Plan(Input([Ma("E1", hired: Today.AddDays(-10))], records, Today, Today.AddDays(-1)));
        Assert.Empty(newHire.Escalations);
        Assert.Contains(Assert.Single(newHire.Reminders).Items, i => i.Status.State == ComplianceState.Missing);

        var veteran = Planner.Plan(Input([Ma("E1", hired: Today.AddDays(-100))], records, Today, Today.AddDays(-1)));
        var escalated = Assert.Single(Assert.Single(veteran.Escalations).Items);
        Assert.Equal(ComplianceState.Missing, escalated.Status.State);
        Assert.StartsWith("EM|E1|", escalated.Key.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void KeepsOnePersonalReminderADayThroughTheGateKey()
    {
        var done = new[] { ReminderPlanner.PersonDayKey(Clinic.Id, "E1", Today).Value };

        var plan = Planner.Plan(Input([Ma("E1")], Records("E1", Today.AddDays(30)), Today, Today.AddDays(-1), done));

        Assert.Empty(plan.Reminders);
    }

    [Fact]
    public void BuildsTheDigestWorstFirstOncePerIsoWeek()
    {
        var staff = new[] { Ma("E1"), Ma("E2"), Ma("E3") };
        var records = Records("E1", Today.AddDays(-3)).Concat(Records("E2", Today.AddDays(45))).Concat(Records("E3", Today.AddDays(20))).ToList();

        var plan = Planner.Plan(Input(staff, records, Today, Today.AddDays(-1)));

        var digest = Assert.IsType<WeeklyDigest>(plan.Digest);
        Assert.Equal("D|2026-W47", digest.Key.Value);
        Assert.Equal(
            [DigestSection.Expired, DigestSection.ExpiringWithin30Days, DigestSection.ExpiringWithin60Days],
            digest.Lines.Select(l => l.Section).Distinct());
        Assert.Equal(["E1", "E3", "E2"], digest.Lines.Select(l => l.Staff.EmployeeId).Distinct());

        var again = Planner.Plan(Input(staff, records, Today.AddDays(1), Today, [digest.Key.Value]));
        Assert.Null(again.Digest);
    }

    [Fact]
    public void ListsStaffWhoseEmailBouncedInTheDigest()
    {
        var staff = Ma("E1");
        var bounce = new DeliveryEvent("ev1", staff.Email, DeliveryEventType.Bounce, DateTimeOffset.Parse("2026-11-17T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), "mailbox full");
        var input = Input([staff], Records("E1", Today.AddDays(200)), Today, Today.AddDays(-1)) with
        {
            DeliveryByEmail = new Dictionary<string, DeliveryEvent> { [staff.Email.ToUpperInvariant()] = bounce },
        };

        var digest = Planner.Plan(input).Digest!;

        Assert.Equal("E1", Assert.Single(digest.UndeliverableStaff).EmployeeId);
    }
}
