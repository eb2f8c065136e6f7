using ComplianceBot.Application.Import;
using ComplianceBot.Application.Samples;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Import;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Cli.Tests;

public class SamplePracticeTests
{
    public static TheoryData<string> RunDates => ["2026-11-23", "2026-11-21", "2028-02-29", "2026-12-31", "2027-06-15"];

    private static async Task<(InMemoryStaffStore Staff, InMemoryCredentialRecordStore Records, ImportResult Roster, ImportResult Recs)> ImportAsync(DateOnly day)
    {
        var clinics = new InMemoryClinicStore();
        foreach (var c in SamplePractice.Clinics) await clinics.UpsertAsync(c);
        var staff = new InMemoryStaffStore();
        var records = new InMemoryCredentialRecordStore();
        var import = new ImportService(clinics, staff, records, new InMemoryAuditLog(), CredentialCatalog.Default, new ManualTimeProvider(new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)));
        var request = new ImportRequest("test", DryRun: false);
        var roster = await import.ImportRosterAsync(Rows(SamplePractice.RosterCsv(day)), request);
        var recs = await import.ImportRecordsAsync(Rows(SamplePractice.RecordsCsv(day)), request);
        return (staff, records, roster, recs);
    }

    private static IAsyncEnumerable<RawRow> Rows(string csv) =>
        TabularReader.ReadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), TabularFormat.Csv);

    [Theory]
    [MemberData(nameof(RunDates))]
    public async Task ImportsEveryRowWithoutRejectionWhateverTheRunDate(string date)
    {
        var (_, _, roster, records) = await ImportAsync(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Empty(roster.Rejected);
        Assert.Empty(records.Rejected);
        Assert.InRange(roster.Accepted, 25, 35);
        Assert.Empty(roster.Warnings);
    }

    [Theory]
    [MemberData(nameof(RunDates))]
    public async Task ShowsEveryStatusWhateverTheRunDate(string date)
    {
        var day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        var (staff, records, _, _) = await ImportAsync(day);
        var evaluator = new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default);

        var statuses = new List<RequirementStatus>();
        foreach (var clinic in SamplePractice.Clinics)
        {
            var held = await records.ListByClinicAsync(clinic.Id);
            foreach (var person in (await staff.ListByClinicAsync(clinic.Id)).Where(p => p.Active))
            {
                statuses.AddRange(evaluator.Evaluate(clinic, person, held.Where(r => r.EmployeeId == person.EmployeeId).ToList(), [], day).Requirements);
            }
        }

        foreach (var state in new[] { ComplianceState.Current, ComplianceState.Expiring, ComplianceState.DueToday, ComplianceState.Expired, ComplianceState.Missing })
        {
            Assert.Contains(statuses, s => s.State == state);
        }

        Assert.Contains(statuses, s => s.DateCheckRequired);
        var cma = statuses.Where(s => s.State == ComplianceState.Expired && s.Credential?.Code == "CMA").ToList();
        Assert.Contains(cma, s => s.DaysLeft >= -90);  // inside the 90-day continuing-education window
        Assert.Contains(cma, s => s.DaysLeft < -90);   // exam only
        Assert.NotEqual(cma.First(s => s.DaysLeft >= -90).LapseAdvice, cma.First(s => s.DaysLeft < -90).LapseAdvice);
    }

    [Fact]
    public void HasThreeClinicsInThreeTimeZonesOneInWashington()
    {
        Assert.Equal(3, SamplePractice.Clinics.Count);
        Assert.Equal(3, SamplePractice.Clinics.Select(c => c.TimeZoneId).Distinct().Count());
        Assert.Contains(SamplePractice.Clinics, c => c.State == "WA");
    }
}
