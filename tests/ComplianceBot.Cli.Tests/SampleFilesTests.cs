using System.Text.Json;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Files;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Cli.Tests;

/// <summary>
/// The files in samples/ are what a new HR user downloads first: every one of them imports without a
/// rejected row or warning, and no date in them disagrees with the catalog's rule for its credential.
/// </summary>
public sealed class SampleFilesTests
{
    [Fact]
    public async Task EverySampleFileImportsCleanlyAndNoRecordAsksForADateCheck()
    {
        var samples = SamplesDirectory();
        var files = Directory.GetFiles(samples).Order(StringComparer.Ordinal).ToList();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var time = new ManualTimeProvider(new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        var clinicStore = new InMemoryClinicStore();
        var staff = new InMemoryStaffStore();
        var records = new InMemoryCredentialRecordStore();
        var import = new ImportService(clinicStore, staff, records, new InMemoryAuditLog(), CredentialCatalog.Default, time);
        var request = new ImportRequest("test", DryRun: false, "sample");

        // Clinics first, then the roster, then the records: the order an HR user follows.
        var clinicFiles = files.Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).ToList();
        var csvFiles = files.Where(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(files.Count, clinicFiles.Count + csvFiles.Count);
        var clinics = clinicFiles.SelectMany(ReadClinics).ToList();
        Assert.NotEmpty(clinics);
        foreach (var clinic in clinics) await clinicStore.UpsertAsync(clinic);

        var recordFiles = csvFiles.Where(f => Header(f).Contains("credential", StringComparer.Ordinal)).ToList();
        Assert.NotEmpty(recordFiles);
        var rosterFiles = csvFiles.Except(recordFiles).ToList();
        Assert.NotEmpty(rosterFiles);
        foreach (var file in rosterFiles.Concat(recordFiles))
        {
            await using var body = File.OpenRead(file);
            var rows = TabularReader.ReadAsync(body, TabularFormat.Csv);
            var result = recordFiles.Contains(file) ? await import.ImportRecordsAsync(rows, request) : await import.ImportRosterAsync(rows, request);
            Assert.True(result.RejectedCount == 0, $"{Path.GetFileName(file)}: " + string.Join("; ", result.Rejected.Select(r => $"row {r.Row} {r.Field}: {r.Reason}")));
            Assert.Empty(result.Warnings);
            Assert.True(result.Accepted > 0, Path.GetFileName(file));
        }

        var evaluator = new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default);
        var checks = new List<string>();
        foreach (var clinic in clinics)
        {
            var ofClinic = await records.ListByClinicAsync(clinic.Id);
            foreach (var person in await staff.ListByClinicAsync(clinic.Id))
            {
                var statuses = evaluator.Evaluate(clinic, person, ofClinic, [], today).Requirements;
                checks.AddRange(statuses
                    .Where(s => s.Record is not null && (s.DateCheckRequired || DisagreesWithTheRule(s)))
                    .Select(s => $"{person.EmployeeId} {s.Record!.CredentialCode}: issued {s.Record.IssuedOn:yyyy-MM-dd}, printed {s.Record.PrintedExpiresOn:yyyy-MM-dd}, the catalog computes {s.ComputedDueDate:yyyy-MM-dd}"));
            }
        }

        Assert.True(checks.Count == 0, "Sample rows whose dates disagree with the catalog:\n" + string.Join("\n", checks));
    }

    /// <summary>
    /// A printed date other than the one the rule computes. The evaluator only flags gaps over a month, so an
    /// AHA card printed to the day of issue (instead of the end of the month) would slip through without this.
    /// </summary>
    private static bool DisagreesWithTheRule(RequirementStatus status) =>
        status.Record?.PrintedExpiresOn is { } printed && status.ComputedDueDate is { } computed && printed != computed;

    private static List<string> Header(string csvFile) =>
        File.ReadLines(csvFile).First().Split(',').Select(TabularReader.NormalizeColumn).ToList();

    /// <summary>The clinics of a sample JSON file, in the shape <c>PUT /api/clinics/{id}</c> takes.</summary>
    private static IEnumerable<Clinic> ReadClinics(string jsonFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(jsonFile));
        return document.RootElement.EnumerateArray().Select(c => new Clinic(
            c.GetProperty("id").GetString()!,
            c.GetProperty("name").GetString()!,
            c.GetProperty("timeZone").GetString()!,
            c.GetProperty("state").GetString()!,
            c.GetProperty("managerEmails").EnumerateArray().Select(e => e.GetString()!).ToList(),
            c.GetProperty("sendHour").GetInt32(),
            c.GetProperty("businessDays").EnumerateArray().Select(d => Enum.Parse<DayOfWeek>(d.GetString()!)).ToHashSet())).ToList();
    }

    private static string SamplesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var samples = Path.Combine(dir.FullName, "samples");
            if (Directory.Exists(samples) && File.Exists(Path.Combine(dir.FullName, "ComplianceBot.sln"))) return samples;
        }

        throw new DirectoryNotFoundException("No samples/ directory above " + AppContext.BaseDirectory);
    }
}
