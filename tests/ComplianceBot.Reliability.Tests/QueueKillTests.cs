using System.Diagnostics;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Storage.Queues;
using ComplianceBot.Testing;

namespace ComplianceBot.Reliability.Tests;

/// <summary>
/// The fan-out under kill -9: the local host, a separate process listening on the clinic-run queue as a Functions
/// instance would, is killed at a random send with three clinics' runs queued. Its messages come back when their
/// lease ends and a restarted consumer runs them; every clinic's day must end complete, every person emailed once
/// or visibly unknown (the dead run may have posted it), never twice.
/// </summary>
[Collection(AppGroup.Name)]
public sealed class QueueKillTests(AzuriteFixture azurite)
{
    private const int PeoplePerClinic = 15;
    private static readonly DateOnly Today = new(2026, 4, 14);
    private static readonly string[] Clinics = ["clinic-q1", "clinic-q2", "clinic-q3"];

    // A killed consumer's messages reappear after the message lease, its claims are taken over (or made Unknown)
    // after the claim lease: both short, so the restart finishes the day within the test.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public async Task EveryClinicFinishedAndNoOneEmailedTwiceWhenTheQueueConsumerIsKilledMidRun(int seed)
    {
        await using var app = await AppFactory.StartAsync(azurite, AppActions.At("America/Chicago", Today.ToDateTime(new TimeOnly(8, 0))));
        foreach (var clinic in Clinics)
        {
            await app.PutClinicAsync(clinic);
            await app.SeedStaffAsync(clinic, Enumerable.Range(1, PeoplePerClinic).Select(i => ($"{clinic[^2..]}-{i:000}", Today.AddDays(14))).ToList());
        }

        app.SendGrid.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(40));
        var runs = Clinics.Select(c => new ClinicRunMessage(c, RunJob.DailyReminders, Today)).ToList();
        await app.Get<IQueuedRuns>().EnqueueAsync(runs);
        var killAt = new Random(seed).Next(3, PeoplePerClinic * Clinics.Length - 10);

        using (var doomed = StartConsumer(app))
        {
            var clock = Stopwatch.StartNew();
            while (app.SendGrid.Requests.Count < killAt && !doomed.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(2);
            Assert.False(doomed.HasExited, "the consumer exited before it could be killed: " + Errors(doomed));
            Assert.True(app.SendGrid.Requests.Count >= killAt, $"{app.SendGrid.Requests.Count} of {killAt} emails in 2 minutes");
            doomed.Kill(entireProcessTree: true); // SIGKILL: no finally, no message handed back
            await doomed.WaitForExitAsync();
        }

        var atKill = app.SendGrid.Requests.Count;
        var queue = app.Get<StorageQueuedRuns>().Queue;
        Assert.True((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0, "the killed consumer's runs should still be on the queue");

        // Restarted: the messages the dead consumer held reappear after their lease and are run again; then the next
        // hourly timer (queued once more) finds nothing left but what the first run of each clinic left unknown.
        using (var restarted = StartConsumer(app))
        {
            await WaitUntilEmptyAsync(queue, restarted);
            await Task.Delay(Lease);
            await app.Get<IQueuedRuns>().EnqueueAsync(runs);
            await WaitUntilEmptyAsync(queue, restarted);
            restarted.Kill(entireProcessTree: true);
        }

        foreach (var clinic in Clinics)
        {
            Assert.Equal(Today, await app.Get<IRunWatermarkStore>().GetAsync(clinic, nameof(RunJob.DailyReminders)));
            var ledger = await app.LedgerAsync(clinic);
            Assert.DoesNotContain(ledger, e => e.State is LedgerState.Pending or LedgerState.Sending);
        }

        var byRecipient = app.SendGrid.Recipients().GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byRecipient, r => Assert.Equal(1, r.Value));
        Assert.True(app.SendGrid.Requests.Count > atKill, "the restart sent nothing");
        foreach (var clinic in Clinics)
        {
            var ledger = await app.LedgerAsync(clinic);
            for (var i = 1; i <= PeoplePerClinic; i++)
            {
                var id = $"{clinic[^2..]}-{i:000}";
                if (byRecipient.ContainsKey($"{id}@staff.example")) continue;
                var gate = Assert.Single(ledger, e => e.Key.Value.StartsWith($"P|{id}|", StringComparison.Ordinal));
                Assert.Equal(LedgerState.Unknown, gate.State); // never emailed, and visibly so
            }
        }
    }

    private static async Task WaitUntilEmptyAsync(Azure.Storage.Queues.QueueClient queue, Process consumer)
    {
        var clock = Stopwatch.StartNew();
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
        {
            Assert.False(consumer.HasExited, "the consumer exited: " + Errors(consumer));
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the queue still holds messages after 2 minutes");
            await Task.Delay(50);
        }
    }

    /// <summary>The local host as its own process, doing nothing but run the clinic-run queue (no timers).</summary>
    private static Process StartConsumer(AppFactory app)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "ComplianceBot.LocalHost.dll");
        Assert.True(File.Exists(host), $"{host} is missing: the test project builds the local host next to itself.");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var arg in new[] { host, "--urls", "http://127.0.0.1:0" }) info.ArgumentList.Add(arg);
        info.Environment["Storage__ConnectionString"] = app.ConnectionString;
        info.Environment["Storage__TablePrefix"] = app.TablePrefix;
        info.Environment["ClinicRunQueue"] = app.Get<StorageQueuedRuns>().Queue.Name;
        info.Environment["SendGrid__ApiKey"] = Secrets.SendGridKey;
        info.Environment["SendGrid__BaseUrl"] = app.SendGrid.BaseUrl.ToString();
        info.Environment["Email__FromAddress"] = "compliance@clinic.example";
        info.Environment["Reminders__ClaimLease"] = Lease.ToString();
        info.Environment["Reminders__SendConcurrency"] = "4";
        info.Environment["LocalHost__RunTimers"] = "false";
        info.Environment["LocalHost__ProcessQueues"] = "true";
        info.Environment["LocalHost__QueueMessageLease"] = Lease.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the local host");
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        ErrorLines.Add(process, errors);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, System.Collections.Concurrent.ConcurrentQueue<string>> ErrorLines = [];

    private static string Errors(Process process) => ErrorLines.TryGetValue(process, out var lines) ? string.Join("\n", lines) : string.Empty;
}
