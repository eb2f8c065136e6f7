namespace ComplianceBot.Application.Ports;

/// <summary>A stored value and its version: an opaque token that changes whenever the stored row is written.</summary>
public sealed record Versioned<T>(T Value, string Version);

/// <summary>
/// What a write requires of the version of the row it would replace, as HTTP's If-Match and If-None-Match
/// say it (RFC 9110, sections 13.1.1 and 13.1.2). <see cref="Any"/> in a list stands for any existing row.
/// </summary>
/// <param name="IfMatch">The row must exist and have one of these versions; null: no such condition.</param>
/// <param name="IfNoneMatch">The row must not exist, or have none of these versions; null: no such condition.</param>
public sealed record WritePrecondition(IReadOnlyList<string>? IfMatch = null, IReadOnlyList<string>? IfNoneMatch = null)
{
    public const string Any = "*";

    /// <summary>No condition: create or replace, last writer wins.</summary>
    public static WritePrecondition None { get; } = new();

    /// <param name="currentVersion">The stored row's version, or null when there is no row.</param>
    public bool IsSatisfiedBy(string? currentVersion)
    {
        if (IfMatch is not null && (currentVersion is null || !(IfMatch.Contains(Any) || IfMatch.Contains(currentVersion)))) return false;
        return IfNoneMatch is null || currentVersion is null || !(IfNoneMatch.Contains(Any) || IfNoneMatch.Contains(currentVersion));
    }
}

/// <summary>What a conditional write did: nothing, because the precondition failed, or <see cref="Outcome"/> with the row's version now.</summary>
public sealed record ConditionalWrite
{
    private ConditionalWrite(bool preconditionFailed, WriteOutcome outcome, string? version)
    {
        PreconditionFailed = preconditionFailed;
        Outcome = outcome;
        Version = version;
    }

    /// <summary>True when nothing was written; <see cref="Version"/> is then the stored row's (null: there is none).</summary>
    public bool PreconditionFailed { get; }

    public WriteOutcome Outcome { get; }

    public string? Version { get; }

    public static ConditionalWrite Failed(string? currentVersion) => new(true, WriteOutcome.Unchanged, currentVersion);

    public static ConditionalWrite Written(WriteOutcome outcome, string version) => new(false, outcome, version);
}
