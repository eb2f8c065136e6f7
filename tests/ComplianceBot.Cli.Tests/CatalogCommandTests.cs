using ComplianceBot.Domain.Catalog;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class CatalogCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly CliHarness _cli = new(azurite, "catalog");

    [Fact]
    public async Task PrintsEveryCredentialCodeWhenAskedForTheCatalog()
    {
        var result = await _cli.RunAsync("catalog");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Stderr);
        foreach (var type in CredentialCatalog.Default.All)
        {
            Assert.Contains($"  {type.Code}: {type.SourceUrl}", result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("Issuer rule", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Practice default", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowsTheOrganizationsDefaultThresholdsForEntriesWithoutTheirOwn()
    {
        _cli.Overrides["Reminders:DefaultThresholds"] = "45,10";
        var result = await _cli.RunAsync("catalog");

        Assert.True(result.ExitCode == 0, result.ToString());
        var ccma = result.Stdout.Split('\n').Single(l => l.Contains("│ CCMA ", StringComparison.Ordinal));
        Assert.Contains("│ 45, 10 ", ccma, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsWithAConfigurationErrorWhenTheDefaultThresholdsAreNotDays()
    {
        _cli.Overrides["Reminders:DefaultThresholds"] = "45,soon";
        var result = await _cli.RunAsync("catalog");

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("Reminders:DefaultThresholds must be whole numbers of days", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsWithUsageErrorWhenTheCommandIsUnknown()
    {
        var result = await _cli.RunAsync("catalogue");

        Assert.Equal(ExitCodes.UsageOrConfiguration, result.ExitCode);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
