using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using NCrontab;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// Without the Functions host, fires the timers itself on the registry's NCRONTAB schedules
/// (NCrontab is the parser the host uses), so a local run behaves like the deployed app.
/// </summary>
public sealed class StandaloneTimerService(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<StandaloneTimerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedules = FunctionRegistry.Timers
            .Select(t => (Timer: t, Schedule: CrontabSchedule.Parse(FunctionRegistry.ScheduleOf(t, configuration), new CrontabSchedule.ParseOptions { IncludingSeconds = true })))
            .ToList();
        var described = string.Join(", ", schedules.Select(s => $"{s.Timer.Name} '{FunctionRegistry.ScheduleOf(s.Timer, configuration)}'"));
        Log.StandaloneTimers(logger, described);

        // The last occurrence fired: the next one is looked up from there at the earliest, so a delay that
        // ends early (timers run on a monotonic clock, "now" is the wall clock) never fires one occurrence twice.
        var lastFired = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var from = now > lastFired ? now : lastFired;
            var next = schedules
                .Select(s => (s.Timer, At: s.Schedule.GetNextOccurrence(from)))
                .OrderBy(s => s.At)
                .First();
            var delay = next.At - now;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                if (time.GetUtcNow().UtcDateTime < next.At) continue; // woke early: wait for the rest
            }

            lastFired = next.At;
            foreach (var (timer, _) in schedules.Where(s => s.Schedule.GetNextOccurrence(from) == next.At))
            {
                var job = timer.Name == FunctionRegistry.DailyReminders ? RunJob.DailyReminders : RunJob.WeeklyDigest;
                try
                {
                    using var scope = scopes.CreateScope();
                    var runner = scope.ServiceProvider.GetRequiredService<TimerRunner>();
                    await runner.RunAsync(job, new TimerTriggerInfo(false, null, next.At), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.StandaloneTimerFailed(logger, ex, timer.Name);
                }
            }
        }
    }
}
