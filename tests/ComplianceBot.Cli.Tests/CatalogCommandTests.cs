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
            Assert.Contains(type.Code, result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("WA_MAC", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("OSHA_BBP", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("IssuerRule", result.Stdout, StringComparison.Ordinal);
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
