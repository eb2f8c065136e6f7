using System.Diagnostics;
using ComplianceBot.Application.Ports;
using ComplianceBot.Testing;
using Xunit.Abstractions;

namespace ComplianceBot.Reliability.Tests;

/// <summary>
/// ADR 0003's promise, "lost only visibly", under kill -9 and a storage outage: the CLI's `run reminders` is a
/// separate process, killed at a random send, or cut off from storage at one; a rerun at once must not call the day complete while the dead run's claims are in
/// their lease, and the run after the lease must leave every person emailed exactly once, or visibly unknown
/// (the dead run may have posted it), never twice, and no claim pending or sending for ever.
/// </summary>
[Collection(AppGroup.Name)]
public sealed class KillTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int People = 40;
    private static readonly DateOnly Today = new(2026, 4, 14);
    // The lease is how long a reader waits before it takes over someone else's claim. The rerun at once reads
    // with a long one (whatever the machine's speed, the dead run's claims are inside it), the final run with a
    // short one that has passed by then.
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task EveryoneEmailedOnceOrVisiblyUnknownWhenARunIsKilledAtARandomSend(int seed)
    {
        await using var app = await StartWithStaffAsync(azurite);
        var killAt = new Random(seed).Next(3, People - 8);

        using (var doomed = StartRun(app, LongLease))
        {
            while (app.SendGrid.Requests.Count < killAt && !doomed.HasExited) await Task.Delay(2);
            Assert.False(doomed.HasExited, "the run finished before it could be killed");
            doomed.Kill(entireProcessTree: true); // SIGKILL: no finally, no cancellation, nothing flushed
            await doomed.WaitForExitAsync();
        }

        output.WriteLine(await AssertSettledAsync(app, app.ConnectionString));
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    public async Task EveryoneEmailedOnceOrVisiblyUnknownWhenStorageStopsAtARandomSend(int seed)
    {
        await using var app = await StartWithStaffAsync(azurite);
        await using var outage = StorageOutage.Start(app.ConnectionString, out var relayed);
        var stopAt = new Random(seed).Next(3, People - 8);

        using (var cut = StartRun(app, LongLease, relayed))
        {
            var output = ReadAllAsync(cut);
            while (app.SendGrid.Requests.Count < stopAt && !cut.HasExited) await Task.Delay(2);
            Assert.False(cut.HasExited, "the run finished before storage could be stopped");
            await outage.BeginAsync(); // storage stops: connections cut, new ones refused
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await cut.WaitForExitAsync(patience.Token);
            var text = await output;

            // The run ends on its own, failed and saying why (exit 2, "Cannot reach storage"); it did not get through everyone.
            Assert.True(cut.ExitCode == 2 && text.Contains("Cannot reach storage", StringComparison.Ordinal), $"exit {cut.ExitCode}: {text}");
            Assert.Contains("If it answered a moment ago, the command stopped part-way: run it again once storage is back", text, StringComparison.Ordinal);
            Assert.InRange(app.SendGrid.Requests.Count, stopAt, People - 1);
        }

        outage.Resume(); // storage is back, with everything it had
        output.WriteLine(await AssertSettledAsync(app, relayed));
    }

    /// <summary>The app at 08:00 in Chicago on <see cref="Today"/>, with <see cref="People"/> staff due a reminder and a SendGrid that answers in 40 ms.</summary>
    private static async Task<AppFactory> StartWithStaffAsync(AzuriteFixture azurite)
    {
        var app = await AppFactory.StartAsync(azurite, AppActions.At("America/Chicago", Today.ToDateTime(new TimeOnly(8, 0))));
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", Enumerable.Range(1, People).Select(i => ($"k{i:000}", Today.AddDays(14))).ToList());
        app.SendGrid.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(40));
        return app;
    }

    /// <summary>
    /// After a run that died mid-way: a rerun at once does not call the day complete while the dead run's claims
    /// are in their lease; the run after the lease completes it, and everyone was emailed exactly once or is
    /// visibly Unknown, with no claim left pending or sending.
    /// </summary>
    private static async Task<string> AssertSettledAsync(AppFactory app, string connectionString)
    {
        var leftInFlight = (await app.LedgerAsync("clinic-a")).Count(e => e.State is LedgerState.Pending or LedgerState.Sending);

        // At once, inside the dead run's lease: what it held is waiting, so the day is not complete.
        var rerun = await RunToEndAsync(app, LongLease, connectionString);
        if (leftInFlight > 0)
        {
            Assert.Contains("completed=False", rerun, StringComparison.Ordinal);
            Assert.DoesNotContain(" waiting=0 ", rerun, StringComparison.Ordinal);
        }

        // After the lease: pending claims are taken over and sent; a claim that was sending is unknown.
        await Task.Delay(ShortLease);
        var final = await RunToEndAsync(app, ShortLease, connectionString);
        var open = (await app.LedgerAsync("clinic-a")).Where(e => e.State is not LedgerState.Sent).Select(e => $"{e.Key.Value} {e.State} {e.RunId} {e.UpdatedAt:O}");
        Assert.True(final.Contains("completed=True", StringComparison.Ordinal), $"rerun at once: {rerun}\nafter the lease: {final}\nnow {DateTimeOffset.UtcNow:O}\n{string.Join("\n", open)}");

        var ledger = await app.LedgerAsync("clinic-a");
        Assert.DoesNotContain(ledger, e => e.State is LedgerState.Pending or LedgerState.Sending);
        var byRecipient = app.SendGrid.Recipients().GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byRecipient, r => Assert.Equal(1, r.Value));
        for (var i = 1; i <= People; i++)
        {
            var id = $"k{i:000}";
            if (byRecipient.ContainsKey($"{id}@staff.example")) continue;
            var gate = Assert.Single(ledger, e => e.Key.Value.StartsWith($"P|{id}|", StringComparison.Ordinal));
            Assert.Equal(LedgerState.Unknown, gate.State); // never emailed, and visibly so
        }

        var unknown = ledger.Count(e => e.State == LedgerState.Unknown && e.Key.Value.StartsWith("P|", StringComparison.Ordinal));
        return $"in flight after the failure: {leftInFlight} claims; emailed once: {byRecipient.Count} of {People}; unknown: {unknown}; rerun at once: {rerun.Trim()}";
    }

    private static Process StartRun(AppFactory app, TimeSpan lease, string? connectionString = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "compliancebot.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing: the test project builds the CLI next to itself.");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "run", "reminders", "--clinic", "clinic-a", "--as-of", Today.ToString("yyyy-MM-dd") }) info.ArgumentList.Add(arg);
        info.Environment["Storage__ConnectionString"] = connectionString ?? app.ConnectionString;
        // Few, short attempts: a run that meets a stopped storage ends in seconds, not in minutes of retries.
        info.Environment["Storage__MaxRetries"] = "1";
        info.Environment["Storage__AttemptTimeout"] = "00:00:03";
        info.Environment["Storage__RetryDelay"] = "00:00:00.2";
        info.Environment["Storage__TablePrefix"] = app.TablePrefix;
        info.Environment["SendGrid__ApiKey"] = Secrets.SendGridKey;
        info.Environment["SendGrid__BaseUrl"] = app.SendGrid.BaseUrl.ToString();
        info.Environment["Email__FromAddress"] = "compliance@clinic.example";
        info.Environment["Reminders__ClaimLease"] = lease.ToString();
        info.Environment["Reminders__SendConcurrency"] = "4";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
    }

    /// <summary>Runs the CLI's `run reminders` to its end and answers what it printed (one summary line per clinic).</summary>
    private static async Task<string> RunToEndAsync(AppFactory app, TimeSpan lease, string connectionString)
    {
        using var run = StartRun(app, lease, connectionString);
        var output = ReadAllAsync(run);
        await run.WaitForExitAsync();
        var text = await output;
        Assert.True(run.ExitCode is 0 or 1, $"exit {run.ExitCode}: {text}");
        return text;
    }

    /// <summary>Everything the process writes, standard output then error, read as it comes (so a full pipe never blocks it).</summary>
    private static async Task<string> ReadAllAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        return await stdout + await stderr;
    }
}
