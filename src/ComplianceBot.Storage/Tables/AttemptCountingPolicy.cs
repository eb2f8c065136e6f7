using Azure.Core;
using Azure.Core.Pipeline;

namespace ComplianceBot.Storage.Tables;

/// <summary>Per-retry policy: counts every attempt of a call made inside <see cref="AttemptCount.Track"/>.</summary>
internal sealed class AttemptCountingPolicy : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.TryGetProperty(AttemptCount.PropertyKey, out var value) && value is AttemptCount count) count.Increment();
    }
}
