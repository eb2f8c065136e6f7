using System.Diagnostics;
using ComplianceBot.Application.Ports;
using ComplianceBot.Testing;

namespace ComplianceBot.Reliability.Tests;

/// <summary>
/// ADR 0003's promise, "lost only visibly", under kill -9: the CLI's `run reminders` is a separate process,
/// killed at a random send; a rerun at once must not call the day complete while the dead run's claims are in
/// their lease, and the run after the lease must leave every person emailed exactly once, or visibly unknown
/// (the dead run may have posted it), never twice, and no claim pending or sending for ever.
/// </summary>
[Collection(AppGroup.Name)]
public sealed class KillTests(AzuriteFixture azurite)
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
        await using var app = await AppFactory.StartAsync(azurite, AppActions.At("America/Chicago", Today.ToDateTime(new TimeOnly(8, 0))));
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", Enumerable.Range(1, People).Select(i => ($"k{i:000}", Today.AddDays(14))).ToList());
        app.SendGrid.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(40));
        var killAt = new Random(seed).Next(3, People - 8);

        using (var doomed = StartRun(app, LongLease))
        {
            while (app.SendGrid.Requests.Count < killAt && !doomed.HasExited) await Task.Delay(2);
            Assert.False(doomed.HasExited, "the run finished before it could be killed");
            doomed.Kill(entireProcessTree: true); // SIGKILL: no finally, no cancellation, nothing flushed
            await doomed.WaitForExitAsync();
        }

        var leftInFlight = (await app.LedgerAsync("clinic-a")).Count(e => e.State is LedgerState.Pending or LedgerState.Sending);

        // At once, inside the dead run's lease: what it held is waiting, so the day is not complete.
        var rerun = await RunToEndAsync(app, LongLease);
        if (leftInFlight > 0)
        {
            Assert.Contains("completed=False", rerun, StringComparison.Ordinal);
            Assert.DoesNotContain(" waiting=0 ", rerun, StringComparison.Ordinal);
        }

        // After the lease: pending claims are taken over and sent; a claim that was sending is unknown.
        await Task.Delay(ShortLease);
        var final = await RunToEndAsync(app, ShortLease);
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
    }

    private static Process StartRun(AppFactory app, TimeSpan lease)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "compliancebot.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing: the test project builds the CLI next to itself.");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "run", "reminders", "--clinic", "clinic-a", "--as-of", Today.ToString("yyyy-MM-dd") }) info.ArgumentList.Add(arg);
        info.Environment["Storage__ConnectionString"] = app.ConnectionString;
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
    private static async Task<string> RunToEndAsync(AppFactory app, TimeSpan lease)
    {
        using var run = StartRun(app, lease);
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        await run.WaitForExitAsync();
        var text = await stdout + await stderr;
        Assert.True(run.ExitCode is 0 or 1, $"exit {run.ExitCode}: {text}");
        return text;
    }
}
