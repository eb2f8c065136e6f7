using System.Globalization;
using ComplianceBot.Files;
using System.Text;
using ComplianceBot.Application.Import;
using ComplianceBot.Cli.Samples;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Cli.Tests;

/// <summary>
/// The sample practice is the demo's promise that every status shows up whenever it runs. These tests
/// import it through the real <see cref="ImportService"/> (in-memory stores) and evaluate it with the
/// real <see cref="ComplianceEvaluator"/>.
/// </summary>
public sealed class SamplePracticeTests
{
    private static readonly ComplianceEvaluator Evaluator = new(CredentialCatalog.Default, RequirementPolicy.Default);

    public static TheoryData<string> RunDates => new()
    {
        "2026-03-02", // Monday
        "2026-03-07", // Saturday
        "2028-02-29", // leap day
        "2026-12-31", // year end
        "2027-01-01",
        "2026-08-31",
        "2027-02-28",
    };

    [Fact]
    public void PracticeHasThreeClinicsInThreeTimeZonesOneInWashington()
    {
        var clinics = SamplePractice.Clinics;

        Assert.Equal(3, clinics.Count);
        Assert.Equal(3, clinics.Select(c => c.TimeZoneId).Distinct().Count());
        Assert.All(clinics, c => Assert.NotNull(TimeZoneInfo.FindSystemTimeZoneById(c.TimeZoneId)));
        Assert.Single(clinics, c => c.State == "WA");
        Assert.Equal(3, clinics.Select(c => c.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(RunDates))]
    public async Task EveryRosterAndRecordRowImportsWhenRunOn(string date)
    {
        var practice = await ImportAsync(Parse(date));

        Assert.Empty(practice.Roster.Rejected);
        Assert.Empty(practice.Roster.Warnings);
        Assert.Empty(practice.Records.Rejected);
        Assert.Empty(practice.Records.Warnings);
        Assert.InRange(practice.Roster.Accepted, 25, 35);
        Assert.True(practice.Records.Accepted > practice.Roster.Accepted, $"only {practice.Records.Accepted} records");
        foreach (var clinic in SamplePractice.Clinics)
        {
            Assert.InRange((await practice.Staff.ListByClinicAsync(clinic.Id)).Count, 8, 12);
        }
    }

    [Theory]
    [MemberData(nameof(RunDates))]
    public async Task EveryStatusAppearsWhenRunOn(string date)
    {
        var today = Parse(date);
        var statuses = await EvaluateAsync(today);

        AssertEveryStatus(statuses, today);
    }

    [Fact]
    public async Task EveryStatusAppearsOnEveryDayOfFourYears()
    {
        // A sweep, because the generator works with month arithmetic and end-of-month rules: a status
        // that vanishes on the 31st or in February would not be caught by a handful of dates.
        var failures = new List<string>();
        for (var day = new DateOnly(2026, 1, 1); day <= new DateOnly(2029, 12, 31); day = day.AddDays(1))
        {
            var statuses = await EvaluateAsync(day);
            var missing = MissingKinds(statuses);
            if (missing.Count > 0) failures.Add($"{day:yyyy-MM-dd ddd}: no {string.Join(", ", missing)}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)) + $"\n({failures.Count} days)");
    }

    [Theory]
    [MemberData(nameof(RunDates))]
    public async Task BlsCardsWalkThroughEveryReminderThresholdWhenRunOn(string date)
    {
        var statuses = await EvaluateAsync(Parse(date));

        var blsDaysLeft = statuses
            .Where(s => s.Status.RequirementKey == RequirementPolicy.Bls.Key && s.Status.DaysLeft is not null)
            .Select(s => s.Status.DaysLeft!.Value)
            .ToHashSet();
        Assert.All(CredentialTypeDefaults.ReminderThresholds, t => Assert.Contains(t, blsDaysLeft));
    }

    [Theory]
    [MemberData(nameof(RunDates))]
    public async Task CmaLapseAdviceDiffersInsideAndOutsideTheWindowWhenRunOn(string date)
    {
        var cma = CredentialCatalog.Default.Get("CMA");
        var lapse = cma.Lapse!;

        var expiredCma = (await EvaluateAsync(Parse(date)))
            .Select(s => s.Status)
            .Where(s => s.State == ComplianceState.Expired && s.Credential?.Code == cma.Code)
            .ToList();

        var inside = Assert.Single(expiredCma, s => s.LapseAdvice!.StartsWith(lapse.InsideWindow, StringComparison.Ordinal));
        Assert.InRange(-inside.DaysLeft!.Value, 1, lapse.Days);
        var outside = Assert.Single(expiredCma, s => s.LapseAdvice == lapse.AfterWindow);
        Assert.True(-outside.DaysLeft!.Value > lapse.Days, $"{outside.DaysLeft} days left");
    }

    [Fact]
    public async Task EveryStatusAppearsInEachClinicWhenClinicsRunOnDifferentDates()
    {
        // What the demo does on a Saturday: Boston (open on Saturdays) runs today, Seattle and Austin on
        // Monday. Records generated for one date would show Seattle's "due today" card as two days overdue.
        var saturday = new DateOnly(2026, 3, 7);
        var monday = saturday.AddDays(2);
        DateOnly RunDate(string clinicId) => clinicId == "boston-harbor" ? saturday : monday;

        var statuses = await EvaluateAsync(RunDate, saturday);

        foreach (var clinic in SamplePractice.Clinics)
        {
            var ofClinic = statuses.Where(s => s.Staff.ClinicId == clinic.Id).Select(s => s.Status).ToList();
            foreach (var state in new[] { ComplianceState.Current, ComplianceState.Expiring, ComplianceState.Expired, ComplianceState.Missing })
            {
                Assert.Contains(ofClinic, s => s.State == state);
            }
        }

        AssertEveryStatus(statuses, saturday);
        var dueToday = Assert.Single(statuses, s => s.Status.State == ComplianceState.DueToday && s.Status.RequirementKey == RequirementPolicy.Bls.Key);
        Assert.Equal(monday, dueToday.Status.DueDate);
    }

    [Fact]
    public void RecordsForOneDateAreTheSameRowsWhateverTheOverloadUsed()
    {
        var date = new DateOnly(2027, 5, 17);

        var one = SamplePractice.RecordsCsv(date).Split('\n').Order(StringComparer.Ordinal);
        var perClinic = SamplePractice.RecordsCsv(_ => date).Split('\n').Order(StringComparer.Ordinal);

        Assert.Equal(one, perClinic);
    }

    internal static void AssertEveryStatus(IReadOnlyList<(StaffMember Staff, RequirementStatus Status)> statuses, DateOnly today)
    {
        var missing = MissingKinds(statuses);
        Assert.True(missing.Count == 0, $"On {today:yyyy-MM-dd ddd} the sample practice shows no: {string.Join(", ", missing)}");
    }

    private static List<string> MissingKinds(IReadOnlyList<(StaffMember Staff, RequirementStatus Status)> statuses)
    {
        var all = statuses.Select(s => s.Status).ToList();
        var missing = new List<string>();
        foreach (var state in Enum.GetValues<ComplianceState>())
        {
            if (!all.Any(s => s.State == state)) missing.Add(state.ToString());
        }

        if (!all.Any(s => s.DateCheckRequired)) missing.Add("DateCheckRequired");
        if (!all.Any(s => s.State == ComplianceState.Expired && s.LapseAdvice is not null && s.Credential?.Lapse is { } l && s.LapseAdvice.StartsWith(l.InsideWindow, StringComparison.Ordinal)))
        {
            missing.Add("Expired inside a lapse window");
        }

        if (!all.Any(s => s.State == ComplianceState.Expired && s.Credential?.Lapse is { } l && s.LapseAdvice == l.AfterWindow))
        {
            missing.Add("Expired outside a lapse window");
        }

        return missing;
    }

    internal static DateOnly Parse(string date) => DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Every requirement status of every active person, evaluated on <paramref name="today"/>.</summary>
    internal static Task<IReadOnlyList<(StaffMember Staff, RequirementStatus Status)>> EvaluateAsync(DateOnly today) =>
        EvaluateAsync(_ => today, today);

    /// <summary>Each clinic generated for and evaluated on its own run date; imported on <paramref name="importDate"/>.</summary>
    internal static async Task<IReadOnlyList<(StaffMember Staff, RequirementStatus Status)>> EvaluateAsync(Func<string, DateOnly> runDateOf, DateOnly importDate)
    {
        var practice = await ImportAsync(runDateOf, importDate);
        var result = new List<(StaffMember, RequirementStatus)>();
        foreach (var clinic in SamplePractice.Clinics)
        {
            var records = await practice.RecordStore.ListByClinicAsync(clinic.Id);
            foreach (var person in (await practice.Staff.ListByClinicAsync(clinic.Id)).Where(p => p.Active))
            {
                var compliance = Evaluator.Evaluate(clinic, person, records, [], runDateOf(clinic.Id));
                result.AddRange(compliance.Requirements.Select(r => (person, r)));
            }
        }

        return result;
    }

    private static Task<ImportedPractice> ImportAsync(DateOnly today) => ImportAsync(_ => today, today);

    private static async Task<ImportedPractice> ImportAsync(Func<string, DateOnly> runDateOf, DateOnly importDate)
    {
        // Noon UTC on the import date: the import's "issued in the future" check sees that day.
        var time = new ManualTimeProvider(new DateTimeOffset(importDate.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        var clinics = new InMemoryClinicStore();
        var staff = new InMemoryStaffStore();
        var records = new InMemoryCredentialRecordStore();
        foreach (var clinic in SamplePractice.Clinics) await clinics.UpsertAsync(clinic);
        var import = new ImportService(clinics, staff, records, new InMemoryAuditLog(), CredentialCatalog.Default, time);
        var request = new ImportRequest("test", DryRun: false, "sample");

        var roster = await import.ImportRosterAsync(Rows(SamplePractice.RosterCsv(runDateOf)), request);
        var imported = await import.ImportRecordsAsync(Rows(SamplePractice.RecordsCsv(runDateOf)), request);
        return new ImportedPractice(staff, records, roster, imported);
    }

    private static IAsyncEnumerable<RawRow> Rows(string csv) =>
        TabularReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), TabularFormat.Csv);

    private sealed record ImportedPractice(InMemoryStaffStore Staff, InMemoryCredentialRecordStore RecordStore, ImportResult Roster, ImportResult Records);
}
