namespace ComplianceBot.Application.Ports;

/// <summary>
/// One audit record (HIPAA 164.312(b)): who did what to which clinic's data, when, and how it went.
/// Never holds credential numbers or message bodies.
/// </summary>
public sealed record AuditRecord(
    DateTimeOffset At,
    string Actor,
    string Action,
    string ClinicId,
    string Target,
    string Outcome,
    string? Detail = null)
{
    /// <summary>The clinic id of records about the whole organization, such as an import that touched several clinics.</summary>
    public const string Organization = "*";
}

/// <summary>Append-only audit log. Entries are inserted, never updated or deleted.</summary>
public interface IAuditLog
{
    Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default);

    /// <summary>Entries for one clinic between two instants, oldest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(string clinicId, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);

    /// <summary>Entries of any clinic whose action is one of <paramref name="actions"/>, between two instants, oldest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ListActionsAsync(IReadOnlyCollection<string> actions, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);
}
