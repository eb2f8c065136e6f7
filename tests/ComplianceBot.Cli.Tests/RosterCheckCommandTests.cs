using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Cli.Tests;

/// <summary><c>compliancebot check roster [--repair]</c> and <c>compliancebot imports --unfinished</c>.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class RosterCheckCommandTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly DateOnly RunDate = new(2026, 11, 16);
    private readonly CliHarness _cli = new(azurite, "check");

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task ListsAPersonInTwoClinicsExitsOneThenRepairKeepsTheClinicOnRecordAndAuditsIt()
    {
        await _cli.LoadSamplePracticeAsync(RunDate);
        Assert.Equal(0, (await _cli.RunAsync("check", "roster")).ExitCode);

        // NG-1001 (Seattle) also stored in Austin, as two racing uploads used to leave people.
        using (var host = await CliServices.StartAsync(_cli.Overrides, CancellationToken.None))
        {
            var tables = host.Services.GetRequiredService<StorageTables>();
            var copy = (await tables.Staff.GetEntityAsync<TableEntity>("seattle-north", "NG-1001")).Value;
            copy.PartitionKey = "austin-central";
            await tables.Staff.AddEntityAsync(copy);
        }

        var found = await _cli.RunAsync("check", "roster");
        Assert.True(found.ExitCode == 1, found.ToString());
        Assert.Contains("NG-1001", found.Stdout, StringComparison.Ordinal);
        Assert.Contains("in 2 clinics at once (austin-central, seattle-north)", found.Stdout, StringComparison.Ordinal);
        Assert.Contains("keep seattle-north", found.Stdout, StringComparison.Ordinal);

        var repaired = await _cli.RunAsync("check", "roster", "--repair");
        Assert.True(repaired.ExitCode == 0, repaired.ToString());
        Assert.Contains("kept in seattle-north, removed from austin-central", repaired.Stdout, StringComparison.Ordinal);

        var again = await _cli.RunAsync("check", "roster");
        Assert.True(again.ExitCode == 0, again.ToString());
        using var after = await CliServices.StartAsync(_cli.Overrides, CancellationToken.None);
        Assert.DoesNotContain((await after.Services.GetRequiredService<IStaffStore>().ListByClinicAsync("austin-central")), s => s.EmployeeId == "NG-1001");
        var audit = Assert.Single(await after.Services.GetRequiredService<IAuditLog>().ListAsync("seattle-north", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)), r => r.Action == "roster.repair");
        Assert.Equal("NG-1001", audit.Target);
    }

    [Fact]
    public async Task ListsAnImportThatStartedAndNeverFinishedAndExitsOne()
    {
        await _cli.LoadSamplePracticeAsync(RunDate);
        var none = await _cli.RunAsync("imports", "--unfinished");
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.Contains("Every import of the last 30 days finished.", none.Stdout, StringComparison.Ordinal);

        // An import killed five minutes ago: its start record and nothing after it.
        using (var host = await CliServices.StartAsync(_cli.Overrides, CancellationToken.None))
        {
            await host.Services.GetRequiredService<IAuditLog>().AppendAsync(new AuditRecord(DateTimeOffset.UtcNow.AddMinutes(-5), "cli:someone", "import.roster.started", AuditRecord.Organization, "file", "started", "import=abcdef012345 kind=roster rows=unknown"));
        }

        var listed = await _cli.RunAsync("imports", "--unfinished");
        Assert.True(listed.ExitCode == 1, listed.ToString());
        Assert.Contains("abcdef012345", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 import(s) stopped part-way", listed.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await _cli.RunAsync("imports")).ExitCode);
    }
}
