using Azure.Core;
using Azure.Core.Pipeline;

namespace ComplianceBot.Storage.Tables;

/// <summary>
/// Per-retry policy: inside a <see cref="StorageDeadline"/>, an attempt may wait only for the time left (its
/// network timeout is cut to it), and no attempt starts once the deadline has passed. The exception it throws
/// is not one the SDK retries, so the call ends there.
/// </summary>
internal sealed class DeadlinePolicy(TimeSpan attemptTimeout) : HttpPipelinePolicy
{
    /// <summary>Below this an attempt cannot get an answer: the deadline counts as passed.</summary>
    private static readonly TimeSpan Least = TimeSpan.FromMilliseconds(50);

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Limit(message);
        return ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Limit(message);
        ProcessNext(message, pipeline);
    }

    private void Limit(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (StorageDeadline.Remaining is not { } left) return;
        if (left < Least)
        {
            throw new StorageDeadlineExceededException(
                $"Table Storage did not answer a {message.Request.Method} request within the request's {StorageDeadline.Budget!.Value.TotalSeconds:0.#} s.");
        }

        // Only ever shortens an attempt (null: the client's Storage:AttemptTimeout).
        if ((message.NetworkTimeout ?? attemptTimeout) > left) message.NetworkTimeout = left;
    }
}
