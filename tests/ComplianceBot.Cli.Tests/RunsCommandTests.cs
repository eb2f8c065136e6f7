using Azure.Storage.Queues;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary>
/// <c>runs --failed</c>: the clinic runs the queue set aside after every attempt failed, never silently dropped;
/// <c>runs --requeue</c>: puts them back on the queue once their cause is fixed.
/// </summary>
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
        var poison = Queue("-poison");
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
    public async Task RequeuePutsEachSetAsideRunBackOnTheQueueAndLeavesWhatIsNotARunSetAside()
    {
        var poison = Queue("-poison");
        await poison.CreateIfNotExistsAsync();
        var b = new ClinicRunMessage("clinic-b", RunJob.DailyReminders, new DateOnly(2026, 3, 2));
        var c = new ClinicRunMessage("clinic-c", RunJob.WeeklyDigest, new DateOnly(2026, 3, 6));
        await poison.SendMessageAsync(b.ToJson());
        await poison.SendMessageAsync("not a run");
        await poison.SendMessageAsync(c.ToJson());

        var result = await _cli.RunAsync("runs", "--requeue");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("2 clinic run(s) put back on the queue", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 set-aside message(s) left on the poison queue", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("(unreadable: not a run)", result.Stdout, StringComparison.Ordinal);

        // The runs are on the queue the queue function reads, in the format it reads; the poison queue keeps only
        // the message that is not a run, visible at once (not hidden until the pass's hold ends).
        var queued = (await Queue(string.Empty).PeekMessagesAsync(32)).Value.Select(m => ClinicRunMessage.TryParse(m.Body.ToString())).ToList();
        Assert.Equal([b, c], queued.OrderBy(r => r?.ClinicId, StringComparer.Ordinal));
        var left = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToList();
        Assert.Equal(["not a run"], left);

        // A second pass has no run to put back, and says the unreadable message is still there.
        var again = await _cli.RunAsync("runs", "--requeue");
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.DoesNotContain("put back on the queue", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await Queue(string.Empty).PeekMessagesAsync(32)).Value.Length);
    }

    [Fact]
    public async Task RequeueSaysSoAndExitsZeroWhenNothingWasSetAside()
    {
        var result = await _cli.RunAsync("runs", "--requeue");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("nothing to put back on the queue", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("--failed", "--requeue")]
    public async Task RefusesToRunWithoutExactlyOneOfFailedAndRequeue(params string[] options)
    {
        var result = await _cli.RunAsync(["runs", .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Give one of --failed", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    private QueueClient Queue(string suffix) =>
        new(azurite.ConnectionString, _cli.Overrides["ClinicRunQueue"] + suffix, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public void Dispose() => _cli.Dispose();
}
