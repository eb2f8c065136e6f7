using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Application.Ports;

/// <summary>
/// State of one ledger entry. The life of a claim:
/// <c>Pending</c> (claimed by a run, lease running) → <c>Sending</c> (written just before the POST) →
/// <c>Sent</c> | <c>Retryable</c> (provider answered with an error; the next run may claim it again,
/// up to the attempt cap) | <c>Failed</c> (permanent error or attempt cap reached) |
/// <c>Unknown</c> (the POST may or may not have gone out; never resent automatically).
/// A <c>Pending</c> claim whose lease expired (its run died before sending) may be taken over.
/// </summary>
public enum LedgerState
{
    Pending,
    Sending,
    Sent,
    Retryable,
    Failed,
    Unknown,
}

/// <summary>One ledger entry as stored.</summary>
public sealed record LedgerEntry(
    LedgerKey Key,
    LedgerState State,
    string RunId,
    DateTimeOffset UpdatedAt,
    int Attempts,
    string? MessageId,
    string? Detail,
    string ETag);

/// <summary>Result of a claim.</summary>
public enum ClaimResult
{
    /// <summary>This run owns the key and may send.</summary>
    Claimed,

    /// <summary>Another run owns it, or it was already sent or given up on. Do not send.</summary>
    AlreadyClaimed,
}

/// <summary>
/// The reminder ledger: insert-only claims so that no reminder, escalation or digest is sent twice,
/// even when two runs race or a run is replayed.
/// </summary>
public interface IReminderLedger
{
    /// <summary>Every entry of one clinic (used by the planner to skip what is done).</summary>
    Task<IReadOnlyList<LedgerEntry>> ListAsync(string clinicId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a key for <paramref name="runId"/> by inserting a <see cref="LedgerState.Pending"/> entry.
    /// If the entry exists it is taken over (with an ETag-conditional update) only when it is
    /// <see cref="LedgerState.Retryable"/> with attempts below the cap, or <see cref="LedgerState.Pending"/>
    /// with a lease older than <paramref name="leaseDuration"/>; otherwise <see cref="ClaimResult.AlreadyClaimed"/>.
    /// </summary>
    Task<ClaimResult> TryClaimAsync(LedgerKey key, string runId, TimeSpan leaseDuration, int maxAttempts, CancellationToken cancellationToken = default);

    /// <summary>Moves this run's claims to a new state (e.g. Sending, Sent with the message id, Retryable).</summary>
    Task UpdateAsync(IReadOnlyList<LedgerKey> keys, string runId, LedgerState state, string? messageId, string? detail, CancellationToken cancellationToken = default);
}
