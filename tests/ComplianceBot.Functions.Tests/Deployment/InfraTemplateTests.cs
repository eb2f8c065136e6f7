using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using ComplianceBot.Testing;

namespace ComplianceBot.Functions.Tests.Deployment;

/// <summary>
/// infra/ compiles with the Bicep compiler the tests restore (Azure.Bicep.CommandLine.linux-x64), without a
/// warning, and grants what the deployment guide says it grants.
/// </summary>
public sealed class InfraTemplateTests
{
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";

    [Fact]
    public async Task TheMainTemplateCompilesWithoutAWarning()
    {
        var (exit, output, errors) = await BuildAsync("main.bicep");

        Assert.True(exit == 0 && errors.Length == 0, $"bicep build infra/main.bicep exited {exit}:\n{errors}");
        Assert.NotNull(JsonNode.Parse(output)?["resources"]);
    }

    [Fact]
    public async Task TheQueueRoleIsAssignedOnTheClinicRunQueueAndItsPoisonQueueAlone()
    {
        var (exit, output, errors) = await BuildAsync(Path.Combine("app", "roles.bicep"));
        Assert.True(exit == 0, errors);
        var template = JsonNode.Parse(output)!;
        var roles = template["variables"]!["roles"]!.AsObject();
        var queueRole = Assert.Single(roles, r => r.Value!.GetValue<string>() == QueueDataContributor).Key;

        var assignments = template["resources"]!.AsArray()
            .Where(r => r!["type"]!.GetValue<string>() == "Microsoft.Authorization/roleAssignments"
                && r["properties"]!["roleDefinitionId"]!.GetValue<string>().Contains($"variables('roles').{queueRole}", StringComparison.Ordinal))
            .ToList();

        // One assignment, copied over the queue and its -poison queue, each scoped to that queue (never the account).
        var assignment = Assert.Single(assignments)!;
        Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/queueServices/queues',", assignment["scope"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("variables('clinicRunQueueNames')[copyIndex()]", assignment["scope"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(
            ["[parameters('clinicRunQueueName')]", "[format('{0}-poison', parameters('clinicRunQueueName'))]"],
            template["variables"]!["clinicRunQueueNames"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    private static async Task<(int Exit, string Output, string Errors)> BuildAsync(string template)
    {
        var bicep = BicepPath();
        using var process = Process.Start(new ProcessStartInfo(bicep)
        {
            ArgumentList = { "build", Path.Combine(AzuriteFixture.FindRepoRoot(), "infra", template), "--stdout" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, (await errors).Trim());
    }

    /// <summary>The compiler restored with the test project; made executable when the package cache lost the bit.</summary>
    private static string BicepPath()
    {
        var path = typeof(InfraTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepPath")?.Value?.Replace('\\', '/');
        Assert.False(string.IsNullOrEmpty(path) || !File.Exists(path), $"The Bicep compiler is not at '{path}': restore tests/ComplianceBot.Functions.Tests (it references Azure.Bicep.CommandLine.linux-x64).");
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("The Bicep compiler the tests restore is the linux-x64 build.");
        var mode = File.GetUnixFileMode(path!);
        if (!mode.HasFlag(UnixFileMode.UserExecute)) File.SetUnixFileMode(path!, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return path!;
    }
}
