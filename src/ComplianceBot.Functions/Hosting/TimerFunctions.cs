using System.Net;
using System.Text.Json;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// The two timer functions. The host POSTs <c>/{FunctionName}</c> with a <c>{Data, Metadata}</c>
/// body; the reply is <c>{Outputs, Logs, ReturnValue}</c> with 2xx on success and 500 only when the
/// invocation really failed (then the host records a failure; the next hourly run catches up).
/// </summary>
public static class TimerFunctions
{
    public static IEndpointRouteBuilder MapTimerFunctions(this IEndpointRouteBuilder app)
    {
        foreach (var timer in FunctionRegistry.Timers)
        {
            var job = timer.Name == FunctionRegistry.DailyReminders ? RunJob.DailyReminders : RunJob.WeeklyDigest;
            app.MapPost(timer.Path, (HttpContext context, TimerRunner runner, CancellationToken ct) => InvokeAsync(context, runner, job, ct))
                .WithName(timer.Name)
                .AllowAnonymous() // The host holds no user; the loopback check below is the gate.
                .ExcludeFromDescription();
        }

        return app;
    }

    private static async Task<IResult> InvokeAsync(HttpContext context, TimerRunner runner, RunJob job, CancellationToken cancellationToken)
    {
        // Only the local Functions host (or the standalone scheduler) may fire a timer.
        if (context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Timers are invoked by the Functions host only.");
        }

        TimerTriggerInfo trigger;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            trigger = TimerTriggerInfo.Parse(body.RootElement);
        }
        catch (JsonException)
        {
            trigger = new TimerTriggerInfo(false, null, null);
        }

        var outcome = await runner.RunAsync(job, trigger, cancellationToken).ConfigureAwait(false);
        var response = new InvocationResponse(new Dictionary<string, object?>(), outcome.Logs, null);
        return Results.Json(response, statusCode: outcome.Failed ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK);
    }
}

/// <summary>
/// Runs a timer job for every due clinic and turns the summaries into log lines, one per clinic
/// (sent, skipped as already sent, failed, unknown, retry-later), after a header line.
/// </summary>
public sealed class TimerRunner(ReminderRunService runs, ILogger<TimerRunner> logger)
{
    public sealed record Outcome(IReadOnlyList<string> Logs, bool Failed);

    public async Task<Outcome> RunAsync(RunJob job, TimerTriggerInfo trigger, CancellationToken cancellationToken)
    {
        var logs = new List<string>();
        var summaries = await runs.RunDueClinicsAsync(job, cancellationToken).ConfigureAwait(false);
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

        var header = $"{job}: {summaries.Count} clinic(s) due, past due={trigger.IsPastDue}";
        logs.Insert(0, header);
        Log.TimerInvoked(logger, job, summaries.Count, trigger.IsPastDue);

        // One failing clinic does not fail the others, but the invocation reports it so alerts fire.
        return new Outcome(logs, summaries.Any(s => s.Error is not null));
    }
}
