using System.Reflection;
using System.Text.RegularExpressions;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Testing;

namespace ComplianceBot.Functions.Tests.Deployment;

/// <summary>The app settings in infra/ and the configuration keys the code reads cannot drift apart.</summary>
public partial class InfraSettingsTests
{
    private static string Bicep => File.ReadAllText(Path.Combine(AzuriteFixture.FindRepoRoot(), "infra", "app", "functionapp.bicep"));

    private static HashSet<string> BicepSettingNames() =>
        AppSettingName().Matches(Bicep).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void DeploysExactlyTheSettingsTheAppAndTheHostRead()
    {
        var expected = AppSettings.All.Where(s => s.SetByDeployment).Select(s => s.EnvironmentName)
            .Concat(AppSettings.HostOnly)
            .ToHashSet(StringComparer.Ordinal);

        var deployed = BicepSettingNames();

        Assert.Empty(expected.Except(deployed).Order());
        Assert.Empty(deployed.Except(expected).Order());
    }

    [Fact]
    public void ListsEveryOptionTheCodeBinds()
    {
        var listed = AppSettings.All.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var bound = AppSettings.BoundOptions
            .SelectMany(o => o.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .Select(p => $"{o.Section}:{p.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(bound.Except(listed).Order());
    }

    [Fact]
    public void ListsNoSectionKeyThatNoOptionBinds()
    {
        var sections = AppSettings.BoundOptions.Select(o => o.Section).ToHashSet(StringComparer.Ordinal);
        var bound = AppSettings.BoundOptions
            .SelectMany(o => o.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => $"{o.Section}:{p.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        var stale = AppSettings.All
            .Where(s => s.Key.Contains(':', StringComparison.Ordinal) && sections.Contains(s.Key.Split(':')[0]) && !bound.Contains(s.Key))
            .Select(s => s.Key);

        Assert.Empty(stale);
    }

    [Fact]
    public void KeepsTheSendGridKeyInKeyVault()
    {
        Assert.Matches(@"name: 'SendGrid__ApiKey', value: '@Microsoft\.KeyVault\(", Bicep);
        Assert.DoesNotContain("AccountKey=", Bicep, StringComparison.Ordinal);
    }

    [Fact]
    public void DocumentsEverySettingInTheReadme()
    {
        var readme = File.ReadAllText(Path.Combine(AzuriteFixture.FindRepoRoot(), "README.md"));

        var undocumented = AppSettings.All.Where(s => !readme.Contains(s.EnvironmentName, StringComparison.Ordinal)).Select(s => s.EnvironmentName);

        Assert.Empty(undocumented);
    }

    [GeneratedRegex(@"\{\s*name:\s*'([A-Za-z0-9_]+)'\s*,\s*value:")]
    private static partial Regex AppSettingName();
}
