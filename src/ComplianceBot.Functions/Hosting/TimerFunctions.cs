using ComplianceBot.Application.Reminders;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// The two timers, hourly in UTC (the schedules are app settings): each runs the job for every clinic whose
/// local send hour it is. A clinic that fails does not stop the others, but fails the invocation, so the host
/// records it and alerts fire; the next hourly run (inside the clinic's send window) catches up.
/// </summary>
public sealed class TimerFunctions(TimerRunner runner)
{
    public const string DailyReminders = "DailyReminders";
    public const string WeeklyDigest = "WeeklyDigest";

    /// <summary>Hourly at :05 UTC: the value infra/ sets for DailyRemindersSchedule, and the local host's default.</summary>
    public const string DefaultDailyRemindersSchedule = "0 5 * * * *";

    /// <summary>Hourly at :10 UTC: the value infra/ sets for WeeklyDigestSchedule, and the local host's default.</summary>
    public const string DefaultWeeklyDigestSchedule = "0 10 * * * *";

    [Function(DailyReminders)]
    public Task DailyRemindersAsync([TimerTrigger("%DailyRemindersSchedule%")] TimerInfo timer, CancellationToken ct) =>
        RunAsync(RunJob.DailyReminders, timer, ct);

    [Function(WeeklyDigest)]
    public Task WeeklyDigestAsync([TimerTrigger("%WeeklyDigestSchedule%")] TimerInfo timer, CancellationToken ct) =>
        RunAsync(RunJob.WeeklyDigest, timer, ct);

    private async Task RunAsync(RunJob job, TimerInfo timer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var outcome = await runner.RunAsync(job, timer.IsPastDue, ct).ConfigureAwait(false);
        if (outcome.Failed)
        {
            throw new ClinicRunFailedException($"{job}: {outcome.FailedClinics} of {outcome.Logs.Count - 1} clinic(s) failed; each is logged. The next hourly run retries them inside their send window.");
        }
    }
}

/// <summary>Fails a timer invocation in which at least one clinic's run failed (the others completed).</summary>
public sealed class ClinicRunFailedException(string message) : Exception(message);

/// <summary>
/// Runs a timer job for every due clinic and turns the summaries into log lines, one per clinic
/// (sent, skipped as already sent, failed, unknown, retry-later), after a header line.
/// </summary>
public sealed class TimerRunner(ReminderRunService runs, ILogger<TimerRunner> logger)
{
    public sealed record Outcome(IReadOnlyList<string> Logs, int FailedClinics)
    {
        public bool Failed => FailedClinics > 0;
    }

    public async Task<Outcome> RunAsync(RunJob job, bool pastDue, CancellationToken cancellationToken)
    {
        var logs = new List<string>();
        var summaries = await runs.RunDueClinicsAsync(job, cancellationToken).ConfigureAwait(false);
        Log.TimerInvoked(logger, job, summaries.Count, pastDue);
        logs.Add($"{job}: {summaries.Count} clinic(s) due, past due={pastDue}");
        foreach (var summary in summaries)
        {
            var line = summary.ToString();
            logs.Add(line);
            if (summary.Error is null)
            {
                Log.ClinicRun(logger, line);
            }
            else
            {
                Log.ClinicRunFailed(logger, line);
            }
        }

        return new Outcome(logs, summaries.Count(s => s.Error is not null));
    }
}
