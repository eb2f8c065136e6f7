using System.Diagnostics;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Storage.Queues;
using ComplianceBot.Testing;

namespace ComplianceBot.Reliability.Tests;

/// <summary>
/// The fan-out under kill -9: the local host, a separate process listening on the clinic-run queue as a Functions
/// instance would, is killed at a random send with three clinics' runs queued. Its messages come back when their
/// lease ends and a restarted consumer runs them; after the next hourly timer every clinic's day must be complete,
/// every person emailed once or visibly unknown (the dead run may have posted it), never twice.
/// </summary>
[Collection(AppGroup.Name)]
public sealed class QueueKillTests(AzuriteFixture azurite)
{
    private const int PeoplePerClinic = 15;
    // The consumers are processes of their own on the real clock, and a queued run for a day already over in its
    // clinic sends nothing (today's run catches up instead). So the clinics live in a fixed-offset zone where it is
    // now about noon: the day the runs are for is the consumers' today, and it cannot end during the test.
    private static readonly (string Zone, DateOnly Today) Noon = NoonSomewhere(DateTimeOffset.UtcNow);
    private static readonly DateOnly Today = Noon.Today;
    private static readonly string[] EveryDay = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    private static readonly string[] Clinics = ["clinic-q1", "clinic-q2", "clinic-q3"];

    // The doomed consumer leases its messages for 3 s, so they reappear soon after the kill. Claim leases are long
    // while runs may be alive (a live run on a busy machine must never have its claims taken over) and short only for
    // the last consumer, started after the dead run's claims are past it, as KillTests does with the CLI.
    private static readonly TimeSpan DoomedMessageLease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ShortClaimLease = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public async Task EveryClinicFinishedAndNoOneEmailedTwiceWhenTheQueueConsumerIsKilledMidRun(int seed)
    {
        await using var app = await AppFactory.StartAsync(azurite, AppActions.At(Noon.Zone, Today.ToDateTime(new TimeOnly(8, 0))));
        foreach (var clinic in Clinics)
        {
            await app.PutClinicAsync(clinic, timeZone: Noon.Zone, businessDays: EveryDay);
            await app.SeedStaffAsync(clinic, Enumerable.Range(1, PeoplePerClinic).Select(i => ($"{clinic[^2..]}-{i:000}", Today.AddDays(14))).ToList());
        }

        app.SendGrid.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(40));
        var runs = Clinics.Select(c => new ClinicRunMessage(c, RunJob.DailyReminders, Today)).ToList();
        await app.Get<IQueuedRuns>().EnqueueAsync(runs);
        var killAt = new Random(seed).Next(3, PeoplePerClinic * Clinics.Length - 10);

        using (var doomed = StartConsumer(app, DoomedMessageLease, claimLease: TimeSpan.FromMinutes(10)))
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

        // Restarted: the messages the dead consumer held reappear after their lease and are run again. The dead run's
        // claims are still inside their lease for this consumer, so those runs wait rather than take them over.
        using (var restarted = StartConsumer(app, messageLease: TimeSpan.FromSeconds(30), claimLease: TimeSpan.FromMinutes(10)))
        {
            await WaitUntilEmptyAsync(queue, restarted);
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }

        // The next hourly timer, once the dead run's claims are past their lease: pending claims are taken over and
        // sent, a claim that was sending becomes Unknown, and every clinic's day completes.
        await Task.Delay(ShortClaimLease);
        using (var next = StartConsumer(app, messageLease: TimeSpan.FromSeconds(30), claimLease: ShortClaimLease))
        {
            await app.Get<IQueuedRuns>().EnqueueAsync(runs);
            await WaitUntilEmptyAsync(queue, next);
            next.Kill(entireProcessTree: true);
            await next.WaitForExitAsync();
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

    /// <summary>An <c>Etc/GMT</c> zone (offsets -12 to +14 hours) where it is between 10:00 and 14:00 at <paramref name="utcNow"/>, and its date there.</summary>
    private static (string Zone, DateOnly Today) NoonSomewhere(DateTimeOffset utcNow)
    {
        var offset = 12 - utcNow.Hour; // -11 .. +12
        var zone = offset switch
        {
            0 => "Etc/UTC",
            > 0 => $"Etc/GMT-{offset}", // the Etc names count the other way: Etc/GMT-5 is UTC+5
            _ => $"Etc/GMT+{-offset}",
        };
        return (zone, DateOnly.FromDateTime(utcNow.AddHours(offset).UtcDateTime));
    }

    /// <summary>The local host as its own process, doing nothing but run the clinic-run queue (no timers).</summary>
    private static Process StartConsumer(AppFactory app, TimeSpan messageLease, TimeSpan claimLease)
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
        info.Environment["Reminders__ClaimLease"] = claimLease.ToString();
        info.Environment["Reminders__SendConcurrency"] = "4";
        info.Environment["LocalHost__RunTimers"] = "false";
        info.Environment["LocalHost__ProcessQueues"] = "true";
        info.Environment["LocalHost__QueueMessageLease"] = messageLease.ToString();
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
