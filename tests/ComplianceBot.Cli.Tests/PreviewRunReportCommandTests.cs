using System.Text.Json;
using ComplianceBot.Files;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary>preview, run and report over the sample practice generated for a Monday, against Azurite and the outbox.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class PreviewRunReportCommandTests(AzuriteFixture azurite) : IDisposable
{
    private const string AsOf = "2026-11-16"; // a Monday
    private const string Seattle = "seattle-north";
    private readonly CliHarness _cli = new(azurite, "preview");

    [Fact]
    public async Task PreviewShowsRemindersEscalationsAndDigestAsATable()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var result = await _cli.RunAsync("preview", "--clinic", Seattle, "--as-of", AsOf);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Northgate Family Medicine (Seattle)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Monday 2026-11-16", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("reminder", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("escalation", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("weekly digest", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Mei Lindgren", result.Stdout, StringComparison.Ordinal); // BLS due today
        Assert.Contains("due today", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviewSaysNothingIsSentOnADayOff()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var result = await _cli.RunAsync("preview", "--clinic", Seattle, "--as-of", "2026-11-15");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Not a business day", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviewPrintsParsableJsonWithRemindersEscalationsAndDigest()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var result = await _cli.RunAsync("preview", "--clinic", Seattle, "--as-of", AsOf, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var plan = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(Seattle, plan.GetProperty("clinicId").GetString());
        Assert.Equal(AsOf, plan.GetProperty("asOf").GetString());
        Assert.True(plan.GetProperty("businessDay").GetBoolean());

        var reminders = plan.GetProperty("reminders").EnumerateArray().ToList();
        Assert.NotEmpty(reminders);
        Assert.All(reminders, r => Assert.EndsWith("@northgate.example", r.GetProperty("to").GetString(), StringComparison.Ordinal));
        var mei = Assert.Single(reminders, r => r.GetProperty("employeeId").GetString() == "NG-1008");
        var bls = Assert.Single(mei.GetProperty("items").EnumerateArray(), i => i.GetProperty("credential").GetString() == "BLS_ARC");
        Assert.Equal("due today", bls.GetProperty("status").GetString());
        Assert.Equal(0, bls.GetProperty("daysLeft").GetInt32());
        Assert.Equal(AsOf, bls.GetProperty("expiresOn").GetString());

        var escalation = Assert.Single(plan.GetProperty("escalations").EnumerateArray());
        Assert.Equal("dana.okafor@northgate.example", Assert.Single(escalation.GetProperty("to").EnumerateArray()).GetString());
        Assert.NotEmpty(escalation.GetProperty("items").EnumerateArray());

        var digest = plan.GetProperty("digest");
        Assert.Equal("2026-W47", digest.GetProperty("week").GetString());
        Assert.True(digest.GetProperty("lines").GetInt32() > 0);
    }

    [Fact]
    public async Task PreviewCoversEveryClinicWhenNoneIsNamed()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var result = await _cli.RunAsync("preview", "--as-of", AsOf, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(
            ["austin-central", "boston-harbor", "seattle-north"],
            json.RootElement.EnumerateArray().Select(p => p.GetProperty("clinicId").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunRemindersWritesEmlFilesAndSendsNothingTheSecondTime()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));
        var preview = await _cli.RunAsync("preview", "--clinic", Seattle, "--as-of", AsOf, "--json");
        using var plan = JsonDocument.Parse(preview.Stdout);
        var expected = plan.RootElement[0].GetProperty("reminders").GetArrayLength() + plan.RootElement[0].GetProperty("escalations").GetArrayLength();

        var first = await _cli.RunAsync("run", "reminders", "--clinic", Seattle, "--as-of", AsOf);
        var files = _cli.OutboxFiles();
        var second = await _cli.RunAsync("run", "reminders", "--clinic", Seattle, "--as-of", AsOf);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"clinic={Seattle} date={AsOf} job=DailyReminders sent={expected} ", first.Stdout, StringComparison.Ordinal);
        Assert.Equal(expected, files.Length);
        Assert.Contains(files, f => Path.GetFileName(f).Contains("-reminder-", StringComparison.Ordinal));
        Assert.Contains(files, f => Path.GetFileName(f).Contains("-escalation-", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_cli.Outbox, "index.jsonl")));

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("sent=0 ", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(files, _cli.OutboxFiles());
    }

    [Fact]
    public async Task RunDigestSendsOneDigestToTheManagersOncePerWeek()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var first = await _cli.RunAsync("run", "digest", "--clinic", "boston-harbor", "--as-of", AsOf);
        var laterThatWeek = await _cli.RunAsync("run", "digest", "--clinic", "boston-harbor", "--as-of", "2026-11-18");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("job=WeeklyDigest sent=1 ", first.Stdout, StringComparison.Ordinal);
        var digest = Assert.Single(_cli.OutboxFiles());
        Assert.Contains("-digest-", Path.GetFileName(digest), StringComparison.Ordinal);
        var eml = File.ReadAllText(digest);
        Assert.Contains("priya.raman@harborview.example", eml, StringComparison.Ordinal);
        Assert.Contains("office@harborview.example", eml, StringComparison.Ordinal);

        Assert.True(laterThatWeek.ExitCode == 0, laterThatWeek.ToString());
        Assert.Contains("sent=0 ", laterThatWeek.Stdout, StringComparison.Ordinal);
        Assert.Single(_cli.OutboxFiles());
    }

    [Fact]
    public async Task ReportWritesCsvWithAHeaderRowAndNeutralisedCells()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));
        var hostile = _cli.WriteFile("hostile.csv",
            "employee_id,first_name,last_name,email,clinic_id,role,hire_date,state,birth_month_day,active\n" +
            "RV-2099,=HYPERLINK(\"http://x.example\"),@SUM(A1),x.y@riverside.example,austin-central,front_desk,2025-01-01,TX,,true\n");
        var imported = await _cli.RunAsync("import", "roster", hostile);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        var result = await _cli.RunAsync("report", "--clinic", "austin-central", "--as-of", AsOf, "--format", "csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(string.Join(',', ComplianceCsv.ReportColumns), lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("austin-central,", l, StringComparison.Ordinal));
        var row = Assert.Single(lines, l => l.Contains("RV-2099", StringComparison.Ordinal) && l.Contains("HIPAA", StringComparison.Ordinal));
        Assert.Contains("\"'=HYPERLINK(\"\"http://x.example\"\")\"", row, StringComparison.Ordinal);
        Assert.Contains(",'@SUM(A1),", row, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains(",=", StringComparison.Ordinal) || l.Contains(",@", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("RV-2002", StringComparison.Ordinal) && l.Contains(",RMA,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportKeepsNegativeDaysLeftAsNumbersInCsv()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var result = await _cli.RunAsync("report", "--clinic", Seattle, "--as-of", AsOf);

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("seattle-north,NG-1003,", StringComparison.Ordinal) && l.Contains(",CMA,", StringComparison.Ordinal))
            .ToList();
        var cma = Assert.Single(rows);
        Assert.Matches(@",expired,[0-9-]+,[0-9-]+,-\d+,", cma);
        Assert.DoesNotContain(",'-", cma, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportWritesJsonWithEveryActivePersonAndTheirStatuses()
    {
        await _cli.LoadSamplePracticeAsync(SamplePracticeTests.Parse(AsOf));

        var result = await _cli.RunAsync("report", "--clinic", Seattle, "--as-of", AsOf, "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(Seattle, json.RootElement.GetProperty("clinicId").GetString());
        var staff = json.RootElement.GetProperty("staff").EnumerateArray().ToList();
        Assert.Equal(9, staff.Count); // ten on the roster, one inactive
        Assert.DoesNotContain(staff, s => s.GetProperty("employeeId").GetString() == "NG-1010");
        var statuses = staff.SelectMany(s => s.GetProperty("requirements").EnumerateArray()).Select(r => r.GetProperty("status").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "current", "expiring", "due today", "expired", "missing" }, statuses);
        var lucia = staff.Single(s => s.GetProperty("employeeId").GetString() == "NG-1002");
        var cma = lucia.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("credential").GetString() == "CMA");
        Assert.Equal("expired", cma.GetProperty("status").GetString());
        Assert.StartsWith("Recertify by continuing education", cma.GetProperty("advice").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("preview", "--clinic", "nowhere", "--as-of", AsOf)]
    [InlineData("run", "reminders", "--clinic", "nowhere", "--as-of", AsOf)]
    [InlineData("report", "--clinic", "nowhere")]
    public async Task ExitsTwoNamingTheClinicWhenItIsUnknown(params string[] args)
    {
        await _cli.CreateSampleClinicsAsync();

        var result = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("No clinic 'nowhere'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWhenAsOfIsNotADate()
    {
        await _cli.CreateSampleClinicsAsync();

        var result = await _cli.RunAsync("preview", "--clinic", Seattle, "--as-of", "16/11/2026");

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("--as-of '16/11/2026'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWhenReportHasNoClinic()
    {
        var result = await _cli.RunAsync("report", "--format", "csv");

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("--clinic", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
