using Azure.Core.Pipeline;

namespace ComplianceBot.Storage.Tables;

/// <summary>
/// How many HTTP attempts one SDK call made. <see cref="Track"/> opens a scope whose calls carry the
/// counter as a message property; <see cref="AttemptCountingPolicy"/> counts each attempt into it. A write
/// that met 409/412 on its first attempt met someone else's row; after a retry it may have met its own.
/// </summary>
internal sealed class AttemptCount
{
    internal const string PropertyKey = "ComplianceBot.Storage.AttemptCount";
    private int _value;

    /// <summary>Attempts made so far; 0 when the client has no <see cref="AttemptCountingPolicy"/>.</summary>
    public int Value => Volatile.Read(ref _value);

    /// <summary>True unless the call is known to have been sent exactly once.</summary>
    public bool MayHaveRetried => Value != 1;

    public static IDisposable Track(out AttemptCount count)
    {
        count = new AttemptCount();
        return HttpPipeline.CreateHttpMessagePropertiesScope(new Dictionary<string, object?> { [PropertyKey] = count });
    }

    internal void Increment() => Interlocked.Increment(ref _value);
}
