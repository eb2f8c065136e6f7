using System.Diagnostics;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage;

/// <summary>
/// A total time limit for every storage call made inside one scope (an API request), on top of each call's own
/// attempts and timeouts. Without it a request that makes four calls against a hung storage waits four times a
/// call's worst case. Inside the scope <see cref="DeadlinePolicy"/> shortens each attempt to the time left and
/// refuses to start one after the deadline, with <see cref="StorageDeadlineExceededException"/>.
/// Measured on the monotonic clock: a deadline is about the network, not about the clinic's calendar.
/// </summary>
public static class StorageDeadline
{
    private static readonly AsyncLocal<Scope?> Current = new();

    /// <summary>Starts a deadline of <paramref name="budget"/> from now for the calls of this async flow; disposing ends it.</summary>
    public static IDisposable Begin(TimeSpan budget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(budget, TimeSpan.Zero);
        var scope = new Scope(budget, Stopwatch.GetTimestamp(), Current.Value);
        Current.Value = scope;
        return scope;
    }

    /// <summary>The time left before the current deadline; null outside any.</summary>
    internal static TimeSpan? Remaining => Current.Value is { } scope ? scope.Budget - Stopwatch.GetElapsedTime(scope.Started) : null;

    /// <summary>The current scope's budget; null outside any.</summary>
    internal static TimeSpan? Budget => Current.Value?.Budget;

    private sealed class Scope(TimeSpan budget, long started, Scope? outer) : IDisposable
    {
        public TimeSpan Budget { get; } = budget;

        public long Started { get; } = started;

        public void Dispose() => Current.Value = outer;
    }
}

/// <summary>Storage did not answer within the request's total time limit (<see cref="StorageDeadline"/>).</summary>
public sealed class StorageDeadlineExceededException(string message) : TimeoutException(message);
