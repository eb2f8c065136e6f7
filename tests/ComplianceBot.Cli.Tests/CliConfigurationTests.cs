using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary>What the CLI asks of the configuration, and how it says what is wrong with it.</summary>
[Collection(CliAzurite.Name)]
public sealed class CliConfigurationTests(AzuriteFixture azurite) : IDisposable
{
    private readonly CliHarness _cli = new(azurite, "cfg");

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task ReportsWithoutAnEmailSenderConfiguredAsItSendsNothing()
    {
        await _cli.CreateSampleClinicsAsync();
        _cli.Overrides["Email:FromAddress"] = null;

        var report = await _cli.RunAsync("report", "--clinic", "seattle-north", "--format", "csv");

        Assert.True(report.ExitCode == ExitCodes.Ok, report.ToString());
        Assert.StartsWith("clinic_id,", report.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StillAsksForTheSenderWhenACommandSendsEmail()
    {
        _cli.Overrides["Email:FromAddress"] = null;

        var run = await _cli.RunAsync("run", "reminders");

        Assert.Equal(ExitCodes.UsageOrConfiguration, run.ExitCode);
        Assert.Contains("Email:FromAddress", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallsStorageThatRefusesTheConnectionAConfigurationProblem()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        _cli.Overrides["Storage:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;";
        _cli.Overrides["Storage:MaxRetries"] = "0";

        var report = await _cli.RunAsync("report", "--clinic", "seattle-north");

        Assert.True(report.ExitCode == ExitCodes.UsageOrConfiguration, report.ToString());
        Assert.Contains("Cannot reach storage", report.Stderr, StringComparison.Ordinal);
        Assert.Contains("Storage__ConnectionString", report.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PointsToTheCatalogCommandWhenARecordNamesAnUnknownCode()
    {
        await _cli.CreateSampleClinicsAsync();
        var roster = _cli.WriteFile("roster.csv", "employee_id,first_name,last_name,email,clinic_id,role\nz1,Zed,Ray,z1@example.org,seattle-north,front_desk\n");
        Assert.Equal(ExitCodes.Ok, (await _cli.RunAsync("import", "roster", roster)).ExitCode);
        var records = _cli.WriteFile("records.csv", "employee_id,credential,issued_on\nz1,NOT_A_CODE,2026-01-05\n");

        var import = await _cli.RunAsync("import", "records", records);

        Assert.Contains("compliancebot catalog", import.Stdout + import.Stderr, StringComparison.Ordinal);
    }
}
