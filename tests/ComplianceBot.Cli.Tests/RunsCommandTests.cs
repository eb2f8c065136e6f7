using Azure.Storage.Queues;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary><c>runs --failed</c>: the clinic runs the queue set aside after every attempt failed, never silently dropped.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class RunsCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly CliHarness _cli = new(azurite, "runs");

    [Fact]
    public async Task SaysSoAndExitsZeroWhenNoRunWasSetAside()
    {
        var result = await _cli.RunAsync("runs", "--failed");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("No clinic run has been set aside", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListsEachSetAsideRunAndExitsOne()
    {
        // What the Functions host (or the local host) does with a run that failed its last attempt.
        var poison = new QueueClient(azurite.ConnectionString, _cli.Overrides["ClinicRunQueue"] + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(new ClinicRunMessage("clinic-b", RunJob.DailyReminders, new DateOnly(2026, 3, 2)).ToJson());
        await poison.SendMessageAsync("not a run");

        var result = await _cli.RunAsync("runs", "--failed");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("clinic-b", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("DailyReminders", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2026-03-02", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("(unreadable: not a run)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 clinic run(s) set aside", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesToRunWithoutFailed()
    {
        var result = await _cli.RunAsync("runs");

        Assert.Equal(2, result.ExitCode);
    }

    public void Dispose() => _cli.Dispose();
}
