using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// The reminder/digest ledger: PartitionKey = encoded clinic id, RowKey = encoded ledger key.
/// Claims are inserts (409 = someone has it); every later change is an ETag-conditional update by the
/// run that owns the entry. No upserts and no <c>If-Match: *</c> here, by design.
/// </summary>
public sealed partial class TableReminderLedger(
    StorageTables tables,
    TimeProvider timeProvider,
    ILogger<TableReminderLedger>? logger = null) : IReminderLedger
{
    private const int MaxConflictRounds = 5;
    private readonly ILogger _logger = logger ?? NullLogger<TableReminderLedger>.Instance;

    /// <summary>
    /// The rows this process's runs hold (claimed and not yet settled), with the ETag and values of our last
    /// write: the next change of a row is one conditional replace instead of a read and a replace. Anything
    /// unexpected (412: taken over; 404) falls back to reading the row. Settled rows are forgotten.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);

    private sealed record Held(string RunId, ETag ETag, int Attempts, string? MessageId);

    public async Task<IReadOnlyList<LedgerEntry>> ListAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        var entries = new List<LedgerEntry>();
        await foreach (var e in tables.ReminderLedger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(clinicId)}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            entries.Add(ToEntry(clinicId, e));
        }

        return entries;
    }

    /// <summary>
    /// Insert a Pending claim (Attempts = 1). If the key exists, take it over with If-Match only when it is
    /// Retryable with Attempts below <paramref name="maxAttempts"/> (Attempts + 1) or Pending with an expired
    /// lease (Attempts unchanged: the dead run never reached Sending). A 412 on takeover means another run won.
    /// </summary>
    public async Task<ClaimResult> TryClaimAsync(LedgerKey key, string runId, TimeSpan leaseDuration, int maxAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var partition = TableKey.Encode(key.ClinicId);
        var rowKey = TableKey.Encode(key.Value);
        for (var round = 0; round < MaxConflictRounds; round++)
        {
            var now = timeProvider.GetUtcNow();
            var stored = round == 0 ? null : await tables.ReminderLedger.GetEntityOrNullAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                try
                {
                    var etag = await tables.ReminderLedger.AddEntityOnceAsync(NewEntity(partition, rowKey, LedgerState.Pending, runId, now, 1, null, null), cancellationToken).ConfigureAwait(false);
                    _held[partition + "/" + rowKey] = new Held(runId, etag, 1, null);
                    return ClaimResult.Claimed;
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    continue;
                }
            }

            var entry = ToEntry(key.ClinicId, stored);
            if (entry.State == LedgerState.Pending && entry.RunId == runId) return ClaimResult.Claimed;
            var retryable = entry.State == LedgerState.Retryable && entry.Attempts < maxAttempts;
            var abandoned = entry.State == LedgerState.Pending && entry.UpdatedAt + leaseDuration <= now;
            if (!retryable && !abandoned) return ClaimResult.AlreadyClaimed;

            var attempts = retryable ? entry.Attempts + 1 : entry.Attempts;
            var takeover = NewEntity(partition, rowKey, LedgerState.Pending, runId, now, attempts, entry.MessageId, entry.Detail);
            try
            {
                var etag = await tables.ReminderLedger.UpdateReplaceOnceAsync(takeover, stored.ETag, cancellationToken).ConfigureAwait(false);
                _held[partition + "/" + rowKey] = new Held(runId, etag, attempts, entry.MessageId);
                return ClaimResult.Claimed;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Another run took it over (412) or it vanished (404): look again.
            }
        }

        return ClaimResult.AlreadyClaimed;
    }

    /// <summary>
    /// Moves entries owned by <paramref name="runId"/> to <paramref name="state"/> with ETag-conditional
    /// updates. Entries now owned by another run (lease expired and taken over) are left alone and logged.
    /// </summary>
    public async Task UpdateAsync(IReadOnlyList<LedgerKey> keys, string runId, LedgerState state, string? messageId, string? detail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);

        // The keys of one message are rows of one partition, changed together: in parallel, not one after another.
        await Task.WhenAll(keys.Select(key => UpdateOneAsync(key, runId, state, messageId, detail, cancellationToken))).ConfigureAwait(false);
    }

    private async Task UpdateOneAsync(LedgerKey key, string runId, LedgerState state, string? messageId, string? detail, CancellationToken cancellationToken)
    {
        var partition = TableKey.Encode(key.ClinicId);
        var rowKey = TableKey.Encode(key.Value);
        var id = partition + "/" + rowKey;
        var settled = state is not (LedgerState.Pending or LedgerState.Sending);
        if (_held.TryGetValue(id, out var held) && string.Equals(held.RunId, runId, StringComparison.Ordinal))
        {
            var next = NewEntity(partition, rowKey, state, runId, timeProvider.GetUtcNow(), held.Attempts, messageId ?? held.MessageId, detail);
            try
            {
                var etag = await tables.ReminderLedger.UpdateReplaceOnceAsync(next, held.ETag, cancellationToken).ConfigureAwait(false);
                Remember(id, settled, held with { ETag = etag, MessageId = messageId ?? held.MessageId });
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Changed since our last write (taken over after the lease, or gone): read it below.
                _held.TryRemove(id, out _);
            }
        }

        for (var round = 0; ; round++)
        {
            var stored = await tables.ReminderLedger.GetEntityOrNullAsync(partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (stored is null || stored.GetString("RunId") != runId)
            {
                LogNotOwner(_logger, key.ClinicId, state);
                return;
            }

            var entry = ToEntry(key.ClinicId, stored);
            var updated = NewEntity(partition, rowKey, state, runId, timeProvider.GetUtcNow(), entry.Attempts, messageId ?? entry.MessageId, detail);
            try
            {
                var etag = await tables.ReminderLedger.UpdateReplaceOnceAsync(updated, stored.ETag, cancellationToken).ConfigureAwait(false);
                Remember(id, settled, new Held(runId, etag, entry.Attempts, messageId ?? entry.MessageId));
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && round < MaxConflictRounds)
            {
            }
        }
    }

    private void Remember(string id, bool settled, Held held)
    {
        if (settled) _held.TryRemove(id, out _);
        else _held[id] = held;
    }

    private static TableEntity NewEntity(string partition, string rowKey, LedgerState state, string runId, DateTimeOffset at, int attempts, string? messageId, string? detail) => new(partition, rowKey)
    {
        ["State"] = state.ToString(),
        ["RunId"] = runId,
        ["UpdatedAt"] = at,
        ["Attempts"] = attempts,
        ["MessageId"] = messageId,
        ["Detail"] = detail,
    };

    private static LedgerEntry ToEntry(string clinicId, TableEntity e) => new(
        new LedgerKey(clinicId, TableKey.Decode(e.RowKey)),
        EntityValues.Enum<LedgerState>(e, "State"),
        e.GetString("RunId") ?? string.Empty,
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        e.GetInt32("Attempts") ?? 0,
        e.GetString("MessageId"),
        e.GetString("Detail"),
        e.ETag.ToString());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger entry of clinic {ClinicId} is not owned by this run any more; not moved to {State}")]
    private static partial void LogNotOwner(ILogger logger, string clinicId, LedgerState state);
}
