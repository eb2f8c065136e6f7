using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// The two timers, hourly in UTC (the schedules are app settings): each decides which clinics are at their local
/// send hour and puts one run per clinic on the clinic-run queue (<see cref="ClinicRunFunctions"/> runs them), so
/// one slow or failing clinic delays no other and the host can spread the runs over instances.
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
        await runner.EnqueueDueAsync(job, timer.IsPastDue, ct).ConfigureAwait(false);
    }
}

/// <summary>
/// A timer's work: the due runs of a job, one queue message each, and a header line saying how many. A timer that
/// fires twice (lease lost, restart) queues the same runs twice; the ledger makes the second run of each send nothing.
/// </summary>
public sealed class TimerRunner(ReminderRunService runs, IQueuedRuns queue, ILogger<TimerRunner> logger)
{
    /// <summary>Queues the due runs of <paramref name="job"/> and answers the header line it logged.</summary>
    public async Task<string> EnqueueDueAsync(RunJob job, bool pastDue, CancellationToken cancellationToken)
    {
        var due = await runs.DueRunsAsync(job, cancellationToken).ConfigureAwait(false);
        Log.TimerInvoked(logger, job, due.Count, pastDue);
        await queue.EnqueueAsync(due, cancellationToken).ConfigureAwait(false);
        return $"{job}: {due.Count} clinic(s) due, past due={pastDue}";
    }
}
