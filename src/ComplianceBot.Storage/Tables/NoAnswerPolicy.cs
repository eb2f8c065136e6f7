using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ComplianceBot.Storage.Tables;

/// <summary>
/// Per-call policy (outside the SDK's retries): a call that got no answer at all — every attempt timed out
/// or failed on the network — leaves the SDK as a <see cref="TaskCanceledException"/> or an
/// <see cref="AggregateException"/>. Callers, and the run that catches "anything but cancellation" per
/// clinic, must not mistake that for their own cancellation, so it becomes a <see cref="RequestFailedException"/>
/// with status 0, as the SDK reports a single transport failure. A caller's own cancellation passes through, and
/// so does a <see cref="StorageDeadline"/> that passed.
/// </summary>
internal sealed class NoAnswerPolicy : HttpPipelinePolicy
{
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (AggregateException ex) when (DeadlineOf(ex) is { } deadline)
        {
            throw deadline;
        }
        catch (Exception ex) when (IsNoAnswer(ex) && !message.CancellationToken.IsCancellationRequested)
        {
            throw NoAnswer(message, ex);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (AggregateException ex) when (DeadlineOf(ex) is { } deadline)
        {
            throw deadline;
        }
        catch (Exception ex) when (IsNoAnswer(ex) && !message.CancellationToken.IsCancellationRequested)
        {
            throw NoAnswer(message, ex);
        }
    }

    /// <summary>The request's deadline passed between attempts: the SDK reports every attempt together, the deadline is the cause.</summary>
    private static StorageDeadlineExceededException? DeadlineOf(AggregateException ex) =>
        ex.InnerExceptions.OfType<StorageDeadlineExceededException>().FirstOrDefault();

    private static bool IsNoAnswer(Exception ex) => ex is OperationCanceledException or AggregateException;

    private static RequestFailedException NoAnswer(HttpMessage message, Exception ex) =>
        new(0, $"Table Storage did not answer a {message.Request.Method} request: {ex.Message}", "NoAnswer", ex);
}
