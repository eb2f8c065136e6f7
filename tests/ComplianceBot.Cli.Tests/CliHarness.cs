using System.Text;
using ComplianceBot.Cli.Samples;
using ComplianceBot.Application.Ports;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Cli.Tests;

/// <summary>What one CLI invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs <see cref="CliApp"/> in-process against Azurite with a table prefix and an outbox folder of
/// its own, so tests sharing one Azurite never see each other's data.
/// </summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness(AzuriteFixture azurite, string hint)
    {
        Folder = Directory.CreateTempSubdirectory("compliancebot-cli-").FullName;
        Outbox = Path.Combine(Folder, "outbox");
        var prefix = azurite.NewTablePrefix(hint);
        Overrides = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = prefix,
            ["ClinicRunQueue"] = prefix.ToLowerInvariant() + "-runs",
            ["Storage:RetryDelay"] = "00:00:00.020",
            ["Email:FromAddress"] = "compliancebot@practice.example",
            ["Email:OutboxPath"] = Outbox,
            ["SendGrid:ApiKey"] = null,
        };
    }

    /// <summary>Temporary folder for input files; deleted with the harness.</summary>
    public string Folder { get; }

    public string Outbox { get; }

    public Dictionary<string, string?> Overrides { get; }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr, Overrides);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes a file into <see cref="Folder"/> and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    /// <summary>Creates the sample clinics (the CLI has no clinic command; HR creates them through the API).</summary>
    public async Task CreateSampleClinicsAsync()
    {
        using var host = await CliServices.StartAsync(Overrides, CancellationToken.None);
        var clinics = host.Services.GetRequiredService<IClinicStore>();
        foreach (var clinic in SamplePractice.Clinics) await clinics.UpsertAsync(clinic);
    }

    /// <summary>Clinics, roster and records of the sample practice generated for <paramref name="runDate"/>, imported through the CLI.</summary>
    public async Task LoadSamplePracticeAsync(DateOnly runDate)
    {
        await CreateSampleClinicsAsync();
        var roster = await RunAsync("import", "roster", WriteFile("roster.csv", SamplePractice.RosterCsv(runDate)));
        Assert.True(roster.ExitCode == 0, roster.ToString());
        var records = await RunAsync("import", "records", WriteFile("records.csv", SamplePractice.RecordsCsv(runDate)));
        Assert.True(records.ExitCode == 0, records.ToString());
    }

    public string[] OutboxFiles() =>
        Directory.Exists(Outbox) ? Directory.GetFiles(Outbox, "*.eml").Order(StringComparer.Ordinal).ToArray() : [];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failed test: leave the temp folder behind rather than hide the failure.
        }
    }
}
