using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace ComplianceBot.LocalHost;

/// <summary>
/// Fires the timer functions on their declared NCRONTAB schedules (NCrontab is the parser the Functions host
/// uses; six fields, UTC), through the same pipeline as the host would, so a local run behaves like the
/// deployed app.
/// </summary>
public sealed class LocalTimerService(
    IServiceProvider services,
    LocalFunctionInvoker invoker,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<LocalTimerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedules = FunctionDeclarations.Timers
            .Select(t => (Timer: t, Text: t.ScheduleIn(configuration)))
            .Select(t => (t.Timer, t.Text, Schedule: CrontabSchedule.Parse(t.Text, new CrontabSchedule.ParseOptions { IncludingSeconds = true })))
            .ToList();
        var described = string.Join(", ", schedules.Select(s => $"{s.Timer.Name} '{s.Text}' UTC"));
        LocalLog.Timers(logger, described);

        // The last occurrence fired: the next one is looked up from there at the earliest, so a delay that
        // ends early (timers run on a monotonic clock, "now" is the wall clock) never fires one occurrence twice.
        var lastFired = DateTime.MinValue;
        var previous = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var from = now > lastFired ? now : lastFired;
            var next = schedules.Select(s => s.Schedule.GetNextOccurrence(from)).Min();
            var delay = next - now;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                if (time.GetUtcNow().UtcDateTime < next) continue; // woke early: wait for the rest
            }

            lastFired = next;
            foreach (var (timer, _, schedule) in schedules.Where(s => s.Schedule.GetNextOccurrence(from) == next))
            {
                var info = new TimerInfo
                {
                    IsPastDue = time.GetUtcNow().UtcDateTime - next > TimeSpan.FromMinutes(1),
                    ScheduleStatus = new ScheduleStatus
                    {
                        Last = previous.TryGetValue(timer.Name, out var last) ? last : default,
                        Next = schedule.GetNextOccurrence(next),
                        LastUpdated = time.GetUtcNow().UtcDateTime,
                    },
                };
                previous[timer.Name] = next;
                try
                {
                    await invoker.InvokeTimerAsync(timer, info, services, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LocalLog.TimerFailed(logger, ex, timer.Name);
                }
            }
        }
    }
}

internal static partial class LocalLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Local timers: {Timers}")]
    public static partial void Timers(ILogger logger, string timers);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Timer {Timer} failed")]
    public static partial void TimerFailed(ILogger logger, Exception exception, string timer);
}
