using System.Text.Json;
using ComplianceBot.Cli.Samples;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary>One Azurite for the CLI tests; each test gets its own tables through a prefix.</summary>
[CollectionDefinition(Name)]
public sealed class CliAzurite : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "cli";
}

[Collection(CliAzurite.Name)]
public sealed class CliTests(AzuriteFixture azurite) : IDisposable
{
    // A Monday: every sample clinic is open.
    private const string AsOf = "2026-11-23";
    private static readonly DateOnly Day = new(2026, 11, 23);

    private readonly string _work = Directory.CreateTempSubdirectory("compliancebot-cli-").FullName;
    private readonly string _prefix = azurite.NewTablePrefix("cli");

    private string Outbox => Path.Combine(_work, "outbox");

    private Dictionary<string, string?> Settings() => new()
    {
        ["Storage:ConnectionString"] = azurite.ConnectionString,
        ["Storage:TablePrefix"] = _prefix,
        ["Email:FromAddress"] = "compliance@northgate.example",
        ["Email:OutboxPath"] = Outbox,
    };

    private async Task<(int Exit, string Out, string Err)> Run(params string[] args) => await Run(Settings(), args);

    private static async Task<(int Exit, string Out, string Err)> Run(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr, settings);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Clinics come from the API in production; here the sample clinics are written through the same store.</summary>
    private async Task SeedAsync()
    {
        using var host = await CliServices.StartAsync(Settings(), CancellationToken.None);
        var clinics = (ComplianceBot.Application.Ports.IClinicStore)host.Services.GetService(typeof(ComplianceBot.Application.Ports.IClinicStore))!;
        foreach (var clinic in SamplePractice.Clinics) await clinics.UpsertAsync(clinic);
        Assert.Equal(0, (await Run("import", "roster", Write("roster.csv", SamplePractice.RosterCsv(Day)))).Exit);
        Assert.Equal(0, (await Run("import", "records", Write("records.csv", SamplePractice.RecordsCsv(Day)))).Exit);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task ListsEveryCredentialCodeWhenAskedForTheCatalog()
    {
        var (exit, output, _) = await Run("catalog");

        Assert.Equal(ExitCodes.Ok, exit);
        foreach (var code in new[] { "BLS", "CMA", "OSHA_BBP", "OSHA_HAZCOM", "HIPAA", "WA_MAC", "CLIA_COMPETENCY" })
        {
            Assert.Contains(code, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ExitsOneAndShowsTheRowsWhenSomeRowsAreRejected()
    {
        await SeedAsync();
        var bad = Write("bad.csv", "employee_id,credential,issued_on\nNG-1002,BLS,2026-01-05\nNG-1002,NOPE,2026-01-05\nNOBODY,BLS,2026-01-05\nNG-1003,HIPAA,31/31/2026\n");
        var errors = Path.Combine(_work, "errors.csv");

        var (exit, output, _) = await Run("import", "records", bad, "--errors-out", errors);

        Assert.Equal(ExitCodes.Partial, exit);
        Assert.Contains("rejected 3", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not a known credential code", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(errors);
        Assert.Equal("row,field,reason", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("3,credential,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("4,employee_id,", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("5,issued_on,", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesNothingWhenImportingWithDryRun()
    {
        await SeedAsync();
        var file = Write("new.csv", "employee_id,first_name,last_name,email,clinic_id,role\nNEW-1,Ana,Diaz,ana.diaz@northgate.example,seattle-north,medical_assistant\n");

        var (exit, output, _) = await Run("import", "roster", file, "--dry-run");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Dry run", output, StringComparison.Ordinal);

        var report = await Run("report", "--clinic", "seattle-north", "--as-of", AsOf, "--format", "json");
        Assert.DoesNotContain("NEW-1", report.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWithTheSettingNamedWhenStorageIsNotConfigured()
    {
        var settings = new Dictionary<string, string?> { ["Email:FromAddress"] = "compliance@northgate.example", ["Storage:ConnectionString"] = null, ["Storage:AccountName"] = null };

        var (exit, _, error) = await Run(settings, "run", "reminders");

        Assert.Equal(ExitCodes.UsageOrConfiguration, exit);
        Assert.Contains("Storage__ConnectionString", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWhenTheFileOrClinicDoesNotExist()
    {
        Assert.Equal(ExitCodes.UsageOrConfiguration, (await Run("import", "roster", Path.Combine(_work, "missing.csv"))).Exit);
        Assert.Equal(ExitCodes.UsageOrConfiguration, (await Run("report", "--clinic", "nowhere")).Exit);
        Assert.Equal(ExitCodes.UsageOrConfiguration, (await Run("import", "payroll", "x.csv")).Exit);
    }

    [Fact]
    public async Task SendsTheRemindersOnceWhenTheSameRunIsRepeated()
    {
        await SeedAsync();

        var preview = await Run("preview", "--clinic", "austin-central", "--as-of", AsOf, "--json");
        Assert.Equal(ExitCodes.Ok, preview.Exit);
        using var plan = JsonDocument.Parse(preview.Out);
        var planned = plan.RootElement[0].GetProperty("reminders").GetArrayLength() + plan.RootElement[0].GetProperty("escalations").GetArrayLength();
        Assert.True(planned > 0);

        var first = await Run("run", "reminders", "--clinic", "austin-central", "--as-of", AsOf);
        Assert.Equal(ExitCodes.Ok, first.Exit);
        var sent = Directory.GetFiles(Outbox, "*.eml").Length;
        Assert.Equal(planned, sent);

        var second = await Run("run", "reminders", "--clinic", "austin-central", "--as-of", AsOf);
        Assert.Equal(ExitCodes.Ok, second.Exit);
        Assert.Equal(sent, Directory.GetFiles(Outbox, "*.eml").Length);
        Assert.Contains("sent=0", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendsTheDigestToTheManagers()
    {
        await SeedAsync();

        var (exit, output, _) = await Run("run", "digest", "--clinic", "boston-harbor", "--as-of", AsOf);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("sent=1", output, StringComparison.Ordinal);
        var eml = File.ReadAllText(Assert.Single(Directory.GetFiles(Outbox, "*digest*.eml")));
        Assert.Contains("priya.raman@harborview.example", eml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrintsTheSurveyorReportAsCsvAndJson()
    {
        await SeedAsync();

        var csv = await Run("report", "--clinic", "seattle-north", "--as-of", AsOf, "--format", "csv");
        Assert.Equal(ExitCodes.Ok, csv.Exit);
        Assert.StartsWith("clinic_id,employee_id,first_name,last_name,role,requirement,credential,credential_number_masked,status", csv.Out, StringComparison.Ordinal);
        Assert.Contains("NG-1003", csv.Out, StringComparison.Ordinal);
        Assert.Contains("expired", csv.Out, StringComparison.Ordinal);

        var json = await Run("report", "--clinic", "seattle-north", "--as-of", AsOf, "--format", "json");
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal("seattle-north", doc.RootElement.GetProperty("clinicId").GetString());
        Assert.Equal(9, doc.RootElement.GetProperty("staff").GetArrayLength()); // 10 on the roster, one inactive
    }

    [Fact]
    public async Task RunsTheWholeDemoOnceAndWritesReadableEmails()
    {
        var outbox = Path.Combine(_work, "demo-outbox");

        var (exit, output, error) = await Run(new Dictionary<string, string?>(), "demo", "--once", "--outbox", outbox);

        Assert.True(exit == ExitCodes.Ok, error);
        foreach (var clinic in SamplePractice.Clinics) Assert.Contains(clinic.Name.Split(' ')[0], output, StringComparison.Ordinal);
        var reminders = Directory.GetFiles(outbox, "*reminder*.eml");
        Assert.NotEmpty(reminders);
        var eml = File.ReadAllText(reminders[0]);
        Assert.Matches("(?m)^From: .+@practice\\.example>?\\r?$", eml);
        Assert.Matches("(?m)^To: ", eml);
        Assert.Matches("(?m)^Subject: ", eml);
        Assert.Contains("multipart/alternative", eml, StringComparison.Ordinal);
        Assert.Matches("(January|February|March|April|May|June|July|August|September|October|November|December) \\d{1,2}, 20\\d\\d", eml);
        Assert.True(File.Exists(Path.Combine(outbox, "index.jsonl")));
    }
}
