using System.Collections.Concurrent;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;

namespace ComplianceBot.Testing.InMemory;

/// <summary>
/// Honest in-memory fakes of the domain ports, for tests of domain services. They follow the same
/// contracts as the Table Storage repositories (which have their own tests against Azurite).
/// </summary>
public sealed class InMemoryClinicStore : IClinicStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Versioned<Clinic>> _clinics = new(StringComparer.Ordinal);
    private long _writes;

    public Task<Clinic?> GetAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_clinics.TryGetValue(clinicId, out var c) ? c.Value : null);
        }
    }

    public Task<IReadOnlyList<Clinic>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Clinic>>(_clinics.Values.Select(c => c.Value).OrderBy(c => c.Id, StringComparer.Ordinal).ToList());
        }
    }

    public async Task<bool> UpsertAsync(Clinic clinic, CancellationToken cancellationToken = default) =>
        (await PutAsync(clinic, WritePrecondition.None, cancellationToken)).Outcome == WriteOutcome.Created;

    public Task<Versioned<Clinic>?> GetVersionedAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_clinics.GetValueOrDefault(clinicId));
        }
    }

    /// <summary>Checks and writes under one lock, as the table store does with ETags; a version changes on every real write.</summary>
    public Task<ConditionalWrite> PutAsync(Clinic clinic, WritePrecondition precondition, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var current = _clinics.GetValueOrDefault(clinic.Id);
            if (!precondition.IsSatisfiedBy(current?.Version)) return Task.FromResult(ConditionalWrite.Failed(current?.Version));
            if (current is not null && SameClinic(current.Value, clinic)) return Task.FromResult(ConditionalWrite.Written(WriteOutcome.Unchanged, current.Version));
            var version = "v" + (++_writes).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _clinics[clinic.Id] = new Versioned<Clinic>(clinic, version);
            return Task.FromResult(ConditionalWrite.Written(current is null ? WriteOutcome.Created : WriteOutcome.Updated, version));
        }
    }

    // Records compare their lists and sets by reference; compare what is stored instead.
    private static bool SameClinic(Clinic a, Clinic b) =>
        a with { ManagerEmails = [], BusinessDays = Clinic.MondayToFriday } == b with { ManagerEmails = [], BusinessDays = Clinic.MondayToFriday }
        && a.ManagerEmails.SequenceEqual(b.ManagerEmails, StringComparer.Ordinal)
        && a.BusinessDays.SetEquals(b.BusinessDays);
}

public sealed class InMemoryStaffStore : IStaffStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Versioned<StaffMember>> _staff = new(StringComparer.Ordinal);
    private long _writes;

    public Task<StaffMember?> GetAsync(string employeeId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_staff.TryGetValue(employeeId, out var s) ? s.Value : null);
        }
    }

    public Task<Versioned<StaffMember>?> GetVersionedAsync(string employeeId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_staff.GetValueOrDefault(employeeId));
        }
    }

    public Task<IReadOnlyDictionary<string, string>> ClinicsByEmployeeAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyDictionary<string, string>>(_staff.Values.ToDictionary(s => s.Value.EmployeeId, s => s.Value.ClinicId, StringComparer.Ordinal));
        }
    }

    public Task<IReadOnlyList<StaffMember>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StaffMember>>(_staff.Values.Select(s => s.Value).Where(s => s.ClinicId == clinicId).OrderBy(s => s.EmployeeId, StringComparer.Ordinal).ToList());
        }
    }

    public Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<WriteOutcome>>(staff.Select(s => Write(s, WritePrecondition.None).Outcome).ToList());
        }
    }

    public Task<ConditionalWrite> PutAsync(StaffMember member, WritePrecondition precondition, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Write(member, precondition));
        }
    }

    /// <summary>One dictionary keyed by employee id cannot hold a person twice: never a problem.</summary>
    public Task<IReadOnlyList<RosterProblem>> FindRosterProblemsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RosterProblem>>([]);

    public Task<RosterRepair> RepairAsync(RosterProblem problem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        lock (_gate)
        {
            return Task.FromResult(new RosterRepair(problem.EmployeeId, _staff.GetValueOrDefault(problem.EmployeeId)?.Value.ClinicId, []));
        }
    }

    private ConditionalWrite Write(StaffMember member, WritePrecondition precondition)
    {
        var current = _staff.GetValueOrDefault(member.EmployeeId);
        if (!precondition.IsSatisfiedBy(current?.Version)) return ConditionalWrite.Failed(current?.Version);
        if (current is not null && current.Value == member) return ConditionalWrite.Written(WriteOutcome.Unchanged, current.Version);
        var version = "v" + (++_writes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _staff[member.EmployeeId] = new Versioned<StaffMember>(member, version);
        return ConditionalWrite.Written(current is null ? WriteOutcome.Created : WriteOutcome.Updated, version);
    }
}

public sealed class InMemoryCredentialRecordStore : ICredentialRecordStore
{
    private readonly ConcurrentDictionary<(string Clinic, string Employee, string Code), CredentialRecord> _records = new();

    public Task<IReadOnlyList<CredentialRecord>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CredentialRecord>>(_records.Where(kv => kv.Key.Clinic == clinicId).Select(kv => kv.Value).ToList());

    public Task<IReadOnlyList<CredentialRecord>> ListByStaffAsync(string clinicId, string employeeId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CredentialRecord>>(_records.Where(kv => kv.Key.Clinic == clinicId && kv.Key.Employee == employeeId).Select(kv => kv.Value).ToList());

    public Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(string clinicId, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default)
    {
        var outcomes = new List<WriteOutcome>();
        foreach (var r in records)
        {
            var key = (clinicId, r.EmployeeId, r.CredentialCode);
            outcomes.Add(!_records.TryGetValue(key, out var old) ? WriteOutcome.Created : old == r ? WriteOutcome.Unchanged : WriteOutcome.Updated);
            _records[key] = r;
        }

        return Task.FromResult<IReadOnlyList<WriteOutcome>>(outcomes);
    }
}

public sealed class InMemoryRetrainingEventStore : IRetrainingEventStore
{
    private readonly ConcurrentQueue<RetrainingEvent> _events = new();

    public Task<IReadOnlyList<RetrainingEvent>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RetrainingEvent>>(_events.ToList());

    public Task AddAsync(RetrainingEvent retrainingEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(retrainingEvent);
        return Task.CompletedTask;
    }
}

/// <summary>The ledger's documented state machine, with a lock standing in for ETags.</summary>
public sealed class InMemoryReminderLedger(TimeProvider time) : IReminderLedger
{
    private readonly object _gate = new();
    private readonly Dictionary<string, LedgerEntry> _entries = new(StringComparer.Ordinal);

    public IReadOnlyList<LedgerEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.ToList();
            }
        }
    }

    public Task<IReadOnlyList<LedgerEntry>> ListAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<LedgerEntry>>(_entries.Values.Where(e => e.Key.ClinicId == clinicId).ToList());
        }
    }

    public Task<ClaimResult> TryClaimAsync(LedgerKey key, string runId, TimeSpan leaseDuration, int maxAttempts, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var id = key.ClinicId + "/" + key.Value;
            if (!_entries.TryGetValue(id, out var existing))
            {
                _entries[id] = new LedgerEntry(key, LedgerState.Pending, runId, now, 1, null, null, "1");
                return Task.FromResult(ClaimResult.Claimed);
            }

            var takeover = existing.State switch
            {
                LedgerState.Retryable => existing.Attempts < maxAttempts,
                LedgerState.Pending => now - existing.UpdatedAt >= leaseDuration,
                _ => false,
            };
            if (!takeover) return Task.FromResult(ClaimResult.AlreadyClaimed);
            _entries[id] = existing with { State = LedgerState.Pending, RunId = runId, UpdatedAt = now, Attempts = existing.Attempts + 1 };
            return Task.FromResult(ClaimResult.Claimed);
        }
    }

    public Task UpdateAsync(IReadOnlyList<LedgerKey> keys, string runId, LedgerState state, string? messageId, string? detail, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var key in keys)
            {
                var id = key.ClinicId + "/" + key.Value;
                if (_entries.TryGetValue(id, out var e) && e.RunId == runId)
                {
                    _entries[id] = e with { State = state, UpdatedAt = now, MessageId = messageId ?? e.MessageId, Detail = detail };
                }
            }
        }

        return Task.CompletedTask;
    }
}

public sealed class InMemoryWatermarkStore : IRunWatermarkStore
{
    private readonly ConcurrentDictionary<(string, string), DateOnly> _marks = new();

    public Task<DateOnly?> GetAsync(string clinicId, string job, CancellationToken cancellationToken = default) =>
        Task.FromResult<DateOnly?>(_marks.TryGetValue((clinicId, job), out var d) ? d : null);

    public Task AdvanceAsync(string clinicId, string job, DateOnly completedLocalDate, CancellationToken cancellationToken = default)
    {
        _marks.AddOrUpdate((clinicId, job), completedLocalDate, (_, old) => old > completedLocalDate ? old : completedLocalDate);
        return Task.CompletedTask;
    }
}

public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly ConcurrentQueue<AuditRecord> _records = new();

    public IReadOnlyList<AuditRecord> Records => _records.ToList();

    public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        _records.Enqueue(record);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> ListAsync(string clinicId, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AuditRecord>>(_records.Where(r => r.ClinicId == clinicId && r.At >= fromInclusive && r.At < toExclusive).ToList());

    public Task<IReadOnlyList<AuditRecord>> ListActionsAsync(IReadOnlyCollection<string> actions, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AuditRecord>>(_records.Where(r => actions.Contains(r.Action) && r.At >= fromInclusive && r.At < toExclusive).OrderBy(r => r.At).ToList());
}

public sealed class InMemoryDeliveryEventStore : IDeliveryEventStore
{
    private readonly ConcurrentDictionary<string, DeliveryEvent> _byId = new(StringComparer.Ordinal);

    /// <summary>The recorded events by event id (the first write of an id wins).</summary>
    public IReadOnlyDictionary<string, DeliveryEvent> Events => _byId;

    public Task<DeliveryBatchResult> RecordManyAsync(IReadOnlyList<DeliveryEvent> events, CancellationToken cancellationToken = default)
    {
        var recorded = events.Count(e => _byId.TryAdd(e.EventId, e));
        return Task.FromResult(new DeliveryBatchResult(recorded, events.Count - recorded));
    }

    public Task<IReadOnlyDictionary<string, DeliveryEvent>> LatestByAddressAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default)
    {
        var wanted = new HashSet<string>(emails, StringComparer.OrdinalIgnoreCase);
        IReadOnlyDictionary<string, DeliveryEvent> latest = _byId.Values
            .Where(e => wanted.Contains(e.Email))
            .GroupBy(e => e.Email, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.At).Last(), StringComparer.OrdinalIgnoreCase);
        return Task.FromResult(latest);
    }
}

/// <summary>Records every email and answers with a scripted status per call (Accepted when the script is empty).</summary>
public sealed class ScriptedEmailSender : IEmailSender
{
    private readonly ConcurrentQueue<SendStatus> _script = new();
    private readonly ConcurrentQueue<OutgoingEmail> _accepted = new();
    private int _calls;

    public IReadOnlyList<OutgoingEmail> Accepted => _accepted.ToList();

    public int Calls => _calls;

    /// <summary>Called before each send; tests use it to cancel mid-run.</summary>
    public Action<OutgoingEmail>? BeforeSend { get; set; }

    public void Enqueue(params SendStatus[] statuses)
    {
        foreach (var s in statuses) _script.Enqueue(s);
    }

    public Task<SendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default)
    {
        BeforeSend?.Invoke(email);
        Interlocked.Increment(ref _calls);
        var status = _script.TryDequeue(out var s) ? s : SendStatus.Accepted;
        if (status == SendStatus.Accepted || status == SendStatus.Unknown) _accepted.Enqueue(email);
        return Task.FromResult(new SendResult(status, status == SendStatus.Accepted ? "msg-" + _calls : null, status == SendStatus.Accepted ? null : status.ToString()));
    }
}

/// <summary>Composes a minimal email that lists the ledger keys of its items, so tests can count them.</summary>
public sealed class KeyListingComposer : IEmailComposer
{
    public Task<OutgoingEmail> ComposeReminderAsync(PersonalReminder reminder, string operationId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Email(operationId, [reminder.Recipient.Email], "reminder", reminder.Items));

    public Task<OutgoingEmail> ComposeEscalationAsync(Escalation escalation, string operationId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Email(operationId, escalation.ManagerEmails, "escalation", escalation.Items));

    public Task<OutgoingEmail> ComposeDigestAsync(WeeklyDigest digest, string operationId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Email(operationId, digest.ManagerEmails, "digest", []));

    private static OutgoingEmail Email(string op, IEnumerable<string> to, string category, IEnumerable<PlannedItem> items)
    {
        var keys = string.Join("\n", items.Select(i => i.Key.Value));
        return new OutgoingEmail(op, to.Select(a => new EmailAddress(a)).ToList(), null, category, keys, keys, category);
    }
}

/// <summary>The clinic-run queue in memory: what was queued, in order, and a poison queue a test fills.</summary>
public sealed class InMemoryQueuedRuns : IQueuedRuns
{
    private readonly ConcurrentQueue<ClinicRunMessage> _queued = new();

    public IReadOnlyList<ClinicRunMessage> Queued => [.. _queued];

    public List<SetAsideRun> SetAside { get; } = [];

    public Task EnqueueAsync(IReadOnlyList<ClinicRunMessage> runs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        foreach (var run in runs) _queued.Enqueue(run);
        return Task.CompletedTask;
    }

    public Task<SetAsideRuns> ListSetAsideAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new SetAsideRuns(SetAside.Count, [.. SetAside]));

    public Task<RequeuedRuns> RequeueSetAsideAsync(CancellationToken cancellationToken = default)
    {
        var readable = SetAside.Where(r => r.Run is not null).ToList();
        foreach (var r in readable) _queued.Enqueue(r.Run!);
        SetAside.RemoveAll(r => r.Run is not null);
        return Task.FromResult(new RequeuedRuns(readable, [.. SetAside]));
    }
}
