using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class RetrainingCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly CliHarness _cli = new(azurite, "retraining");

    [Fact]
    public async Task RecordsAnEventAndListsIt()
    {
        await _cli.CreateSampleClinicsAsync();

        var add = await _cli.RunAsync("retraining", "add", "method_change", "--effective", "2026-03-05", "--description", "New chemistry analyzer", "--clinic", "austin-central");
        var list = await _cli.RunAsync("retraining", "list");

        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("Recorded: CLIA_COMPETENCY due again by 2026-03-05 for everyone in austin-central last trained before 2026-03-05.", add.Stdout, StringComparison.Ordinal);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("New chemistry analyzer", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("CLIA_COMPETENCY", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsWithUsageErrorNamingTheFieldWhenTheKindIsUnknown()
    {
        var result = await _cli.RunAsync("retraining", "add", "fire_drill", "--effective", "2026-03-05", "--description", "Drill");

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.StartsWith("kind: 'fire_drill' is not a retraining event; use new_hazard (new hazard introduced (HazCom))", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
