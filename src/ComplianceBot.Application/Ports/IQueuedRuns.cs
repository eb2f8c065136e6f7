using ComplianceBot.Application.Reminders;

namespace ComplianceBot.Application.Ports;

/// <summary>
/// The queue of clinic runs: the timers put one message per due clinic on it, the queue function (the Functions
/// host in Azure, the local host here) runs each one, and a run that failed every attempt is set aside on the
/// poison queue, where it stays for the queue's default time to live (7 days, as the host copies it there) unless
/// someone puts it back: the weekly digest and the CLI report it meanwhile.
/// </summary>
public interface IQueuedRuns
{
    /// <summary>Puts one message per run on the queue (creating it on first use).</summary>
    Task EnqueueAsync(IReadOnlyList<ClinicRunMessage> runs, CancellationToken cancellationToken = default);

    /// <summary>The runs on the poison queue: how many there are, and the oldest of them, read without taking them off.</summary>
    Task<SetAsideRuns> ListSetAsideAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts every set-aside run back on the queue, to be run again with all its attempts, and takes it off the
    /// poison queue; a message that is not a clinic run stays set aside (running it again would only fail again).
    /// </summary>
    Task<RequeuedRuns> RequeueSetAsideAsync(CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IQueuedRuns.RequeueSetAsideAsync"/> did: the runs put back on the queue, and the unreadable messages it left set aside.</summary>
public sealed record RequeuedRuns(IReadOnlyList<SetAsideRun> Requeued, IReadOnlyList<SetAsideRun> LeftUnreadable);

/// <summary>
/// What the poison queue holds. Storage queues show at most 32 messages without taking them, so
/// <see cref="Oldest"/> may be fewer than <see cref="Count"/> (an approximate count, as the service keeps it).
/// </summary>
public sealed record SetAsideRuns(int Count, IReadOnlyList<SetAsideRun> Oldest)
{
    public static SetAsideRuns None { get; } = new(0, []);

    /// <summary>The set-aside runs of one clinic among <see cref="Oldest"/>.</summary>
    public IReadOnlyList<SetAsideRun> Of(string clinicId) =>
        Oldest.Where(r => string.Equals(r.Run?.ClinicId, clinicId, StringComparison.Ordinal)).ToList();
}

/// <summary>One message of the poison queue: its run (null when the body is not a clinic-run message, then <see cref="Body"/> says what it was) and when it was first queued.</summary>
public sealed record SetAsideRun(ClinicRunMessage? Run, string Body, DateTimeOffset? FirstQueuedAt)
{
    /// <summary>The body, cut at 200 characters for a report line.</summary>
    public string ShortBody => Body.Length > 200 ? Body[..200] + "..." : Body;

    public override string ToString() =>
        (Run?.ToString() ?? $"unreadable message '{ShortBody}'")
        + (FirstQueuedAt is { } at ? $" queued={at:u}" : string.Empty);
}
