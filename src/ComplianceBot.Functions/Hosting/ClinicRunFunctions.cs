using ComplianceBot.Application.Reminders;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// Runs one clinic's job for one local date, from a message the timers queued. A run that throws fails the
/// invocation: the host makes the message visible again after <c>extensions.queues.visibilityTimeout</c> and, after
/// <c>maxDequeueCount</c> attempts (host.json), moves it to the <c>-poison</c> queue, which the weekly digest and
/// <c>runs --failed</c> report. A run that completes with messages left for later (SendGrid down, another run's
/// claims still leased) succeeds: the next hourly timer queues the clinic again inside its send window.
/// </summary>
public sealed class ClinicRunFunctions(ClinicRunner runner)
{
    public const string RunClinic = "RunClinic";

    /// <summary>The queue, as the app setting the trigger reads (the storage adapter reads the same one).</summary>
    public const string QueueSetting = "%" + Storage.Queues.ClinicRunQueueName.Setting + "%";

    [Function(RunClinic)]
    public Task RunClinicAsync([QueueTrigger(QueueSetting)] string message, CancellationToken ct) =>
        runner.RunAsync(message, ct);
}

/// <summary>Runs one queued clinic run and logs its one-line summary (or the failure) for the host to record.</summary>
public sealed class ClinicRunner(ReminderRunService runs, ILogger<ClinicRunner> logger)
{
    public async Task<ClinicRunSummary> RunAsync(string message, CancellationToken cancellationToken)
    {
        var run = ClinicRunMessage.Parse(message);
        try
        {
            var summary = await runs.RunAsync(run, cancellationToken).ConfigureAwait(false);
            var line = summary.ToString();
            Log.ClinicRun(logger, line);
            return summary;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var line = $"{run} error=\"{ex.Message}\"";
            Log.ClinicRunFailed(logger, line);
            throw;
        }
    }
}
