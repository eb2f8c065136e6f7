using ComplianceBot.Cli.Samples;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class ImportCommandTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly DateOnly RunDate = new(2026, 11, 16);
    private readonly CliHarness _cli = new(azurite, "import");

    [Fact]
    public async Task ExitsZeroWhenTheSampleRosterAndRecordsImportCleanly()
    {
        await _cli.CreateSampleClinicsAsync();

        var roster = await _cli.RunAsync("import", "roster", _cli.WriteFile("roster.csv", SamplePractice.RosterCsv(RunDate)));
        var records = await _cli.RunAsync("import", "records", _cli.WriteFile("records.csv", SamplePractice.RecordsCsv(RunDate)));

        Assert.True(roster.ExitCode == 0, roster.ToString());
        Assert.Contains("Accepted 30 (created 30, updated 0, unchanged 0), rejected 0", roster.Stdout, StringComparison.Ordinal);
        Assert.True(records.ExitCode == 0, records.ToString());
        Assert.Contains("rejected 0", records.Stdout, StringComparison.Ordinal);
        Assert.Empty(roster.Stderr);
        Assert.Empty(records.Stderr);
    }

    [Fact]
    public async Task ReportsNothingChangedWhenTheSameFileIsImportedTwice()
    {
        await _cli.CreateSampleClinicsAsync();
        var file = _cli.WriteFile("roster.csv", SamplePractice.RosterCsv(RunDate));
        await _cli.RunAsync("import", "roster", file);

        var again = await _cli.RunAsync("import", "roster", file);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Accepted 30 (created 0, updated 0, unchanged 30)", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWithOneHeaderErrorWhenTheRosterHasNoEmailColumn()
    {
        await _cli.CreateSampleClinicsAsync();
        var file = _cli.WriteFile("no-email.csv", "employee_id,first_name,last_name,clinic_id,role\nM-1,Ivy,Marsh,austin-central,nurse\nM-2,Ned,Holt,austin-central,nurse\n");

        var result = await _cli.RunAsync("import", "roster", file);

        Assert.True(result.ExitCode == ExitCodes.UsageOrConfiguration, result.ToString());
        Assert.Contains("Nothing was imported", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("no email column", result.Stdout, StringComparison.Ordinal);
        Assert.Single(result.Stdout.Split('\n'), l => l.Contains("email column;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadsJsonWhenTheFileEndsInJson()
    {
        await _cli.CreateSampleClinicsAsync();
        var file = _cli.WriteFile("roster.json", """
            [
              {"employee_id": "J-1", "first_name": "Ivy", "last_name": "Marsh", "email": "ivy.marsh@riverside.example",
               "clinic_id": "austin-central", "role": "nurse", "hire_date": "2023-04-01", "active": "true"},
              {"employee_id": "J-2", "first_name": "Ned", "last_name": "Holt", "email": "ned.holt@riverside.example",
               "clinic_id": "austin-central", "role": "astronaut"}
            ]
            """);

        var result = await _cli.RunAsync("import", "roster", file);

        Assert.True(result.ExitCode == ExitCodes.Partial, result.ToString());
        Assert.Contains("Accepted 1 ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'astronaut' is not a role", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoAndImportsNothingWhenAJsonFileBreaksAfterMoreRowsThanOneChunk()
    {
        await _cli.CreateSampleClinicsAsync();
        var json = new System.Text.StringBuilder("[\n");
        for (var i = 1; i <= 2100; i++)
        {
            json.Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"employee_id\": \"J-{i:0000}\", \"first_name\": \"Ivy\", \"last_name\": \"Marsh\", \"email\": \"j{i}@riverside.example\", \"clinic_id\": \"austin-central\", \"role\": \"nurse\"}},\n");
        }

        json.Append("{\"employee_id\": \"J-9999\",, }\n]\n");

        var result = await _cli.RunAsync("import", "roster", _cli.WriteFile("roster.json", json.ToString()));
        var report = await _cli.RunAsync("report", "--clinic", "austin-central", "--as-of", "2026-11-16", "--format", "json");

        Assert.True(result.ExitCode == ExitCodes.UsageOrConfiguration, result.ToString());
        Assert.Contains("at line 2102", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("J-0001", report.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesNoRecordsWhenRecordsAreImportedWithDryRun()
    {
        await _cli.CreateSampleClinicsAsync();
        await _cli.RunAsync("import", "roster", _cli.WriteFile("roster.csv", SamplePractice.RosterCsv(RunDate)));
        var file = _cli.WriteFile("records.csv", SamplePractice.RecordsCsv(RunDate));

        var dry = await _cli.RunAsync("import", "records", file, "--dry-run");
        var report = await _cli.RunAsync("report", "--clinic", "seattle-north", "--as-of", "2026-11-16", "--format", "json");

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Dry run", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"missing\"", report.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\": \"current\"", report.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsOneAndShowsTheRejectedRowsWhenSomeRowsAreBad()
    {
        await _cli.CreateSampleClinicsAsync();
        var file = _cli.WriteFile("roster.csv", RosterWithBadRows());

        var result = await _cli.RunAsync("import", "roster", file);

        Assert.True(result.ExitCode == ExitCodes.Partial, result.ToString());
        Assert.Contains("Accepted 1 ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("rejected 2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("no clinic 'nowhere'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("not a valid email address", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectsRecordRowsWithUnknownPeopleCodesAndDates()
    {
        await _cli.LoadSamplePracticeAsync(RunDate);
        var file = _cli.WriteFile("records.csv",
            "employee_id,credential,issued_on,expires_on,credential_number\n" +
            "NG-1002,BLS,2026-01-10,2028-01-31,C1\n" +
            "XX-9999,BLS,2026-01-10,,\n" +
            "NG-1003,NOT_A_CODE,2026-01-10,,\n" +
            "NG-1004,HIPAA,13/45/2026,,\n");

        var result = await _cli.RunAsync("import", "records", file);

        Assert.True(result.ExitCode == ExitCodes.Partial, result.ToString());
        Assert.Contains("no staff member 'XX-9999'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'NOT_A_CODE' is not a known credential code", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'13/45/2026' is not a date", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesNothingWhenRunWithDryRun()
    {
        await _cli.CreateSampleClinicsAsync();
        var file = _cli.WriteFile("roster.csv", SamplePractice.RosterCsv(RunDate));

        var dry = await _cli.RunAsync("import", "roster", file, "--dry-run");
        var real = await _cli.RunAsync("import", "roster", file);

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Dry run", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("created 30", dry.Stdout, StringComparison.Ordinal);
        // Had the dry run written anything, the real import would find the rows unchanged.
        Assert.Contains("Accepted 30 (created 30, updated 0, unchanged 0)", real.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesRowFieldReasonCsvWhenGivenErrorsOut()
    {
        await _cli.CreateSampleClinicsAsync();
        var file = _cli.WriteFile("roster.csv", RosterWithBadRows());
        var errors = Path.Combine(_cli.Folder, "errors.csv");

        var result = await _cli.RunAsync("import", "roster", file, "--errors-out", errors);

        Assert.True(result.ExitCode == ExitCodes.Partial, result.ToString());
        var lines = File.ReadAllLines(errors);
        Assert.Equal("row,field,reason", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("3,clinic_id,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("4,email,", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoNamingTheFileWhenItDoesNotExist()
    {
        var missing = Path.Combine(_cli.Folder, "no-such-roster.csv");

        var result = await _cli.RunAsync("import", "roster", missing);

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("no-such-roster.csv", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("not found", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ExitsTwoNamingTheSettingWhenNoStorageIsConfigured()
    {
        _cli.Overrides["Storage:ConnectionString"] = string.Empty;
        _cli.Overrides["Storage:AccountName"] = string.Empty;
        _cli.Overrides["Storage:TableEndpoint"] = string.Empty;
        var file = _cli.WriteFile("roster.csv", SamplePractice.RosterCsv(RunDate));

        var result = await _cli.RunAsync("import", "roster", file);

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("Storage__ConnectionString", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoNamingEverySettingWhenSeveralAreMissing()
    {
        _cli.Overrides["Storage:ConnectionString"] = string.Empty;
        _cli.Overrides["Email:FromAddress"] = string.Empty;

        // Sending needs both storage and a sender (an import needs only storage).
        var result = await _cli.RunAsync("run", "reminders");

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("Storage__ConnectionString", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Email__FromAddress", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWhenTheKindIsNeitherRosterNorRecords()
    {
        var result = await _cli.RunAsync("import", "people", _cli.WriteFile("x.csv", "a\n1\n"));

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("people", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWithTheReasonWhenTheFileHasNoHeader()
    {
        var result = await _cli.RunAsync("import", "roster", _cli.WriteFile("empty.csv", string.Empty));

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("The file is empty", result.Stderr, StringComparison.Ordinal);
    }

    private static string RosterWithBadRows() =>
        "employee_id,first_name,last_name,email,clinic_id,role,hire_date,state,birth_month_day,active\n" +
        "T-1,Ada,Quill,ada.quill@northgate.example,seattle-north,medical_assistant,2024-05-01,WA,04-12,true\n" +
        "T-2,Ben,Rook,ben.rook@northgate.example,nowhere,nurse,2024-05-01,WA,,true\n" +
        "T-3,Cy,Stone,not-an-email,seattle-north,nurse,2024-05-01,WA,,true\n";

    public void Dispose() => _cli.Dispose();
}
