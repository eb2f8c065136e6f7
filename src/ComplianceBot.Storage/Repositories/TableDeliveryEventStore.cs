using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Provider delivery events, taken in a webhook batch at a time.
/// Latest status: one row per address (PartitionKey = encoded lower-case address), moved forward only with
/// If-Match and only to a newer event, so applying an event again changes nothing. Dedupe: one row per event
/// id in the partition of the event's UTC day (a redelivered event keeps its timestamp, so it meets its row),
/// inserted 100 to a transaction; a 409 names the one event seen before, which is counted and left out.
/// The statuses are written before the dedupe rows, so a crash in between is repaired by the provider's
/// redelivery (its status writes are no-ops, its dedupe rows go in).
/// </summary>
public sealed class TableDeliveryEventStore(StorageTables tables) : IDeliveryEventStore
{
    private const string LatestRow = "latest";
    private const int StatusWritesAtOnce = 32;

    public async Task<DeliveryBatchResult> RecordManyAsync(IReadOnlyList<DeliveryEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var distinct = events.DistinctBy(e => e.EventId, StringComparer.Ordinal).ToList();
        var duplicates = events.Count - distinct.Count;

        // Statuses first: only the latest event of each address in the batch can move its row.
        var latest = distinct.GroupBy(e => e.Email.Trim().ToLowerInvariant(), StringComparer.Ordinal).Select(g => g.MaxBy(e => e.At)!).ToList();
        await Parallel.ForEachAsync(latest, new ParallelOptions { MaxDegreeOfParallelism = StatusWritesAtOnce, CancellationToken = cancellationToken }, async (ev, ct) =>
            await UpdateLatestAsync(ev, ct).ConfigureAwait(false)).ConfigureAwait(false);

        var recorded = 0;
        var chunks = distinct
            .GroupBy(e => DayPartition(e.At), StringComparer.Ordinal)
            .SelectMany(day => day.Chunk(TableClientExtensions.MaxTransactionActions))
            .ToList();
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            var (inserted, seen) = await InsertNewAsync(chunk.ToList(), ct).ConfigureAwait(false);
            Interlocked.Add(ref recorded, inserted);
            Interlocked.Add(ref duplicates, seen);
        }).ConfigureAwait(false);

        return new DeliveryBatchResult(recorded, duplicates);
    }

    /// <summary>
    /// Inserts the dedupe rows of one day's chunk in one transaction. When some were seen before (a 409), the
    /// chunk's rows are looked up once, the seen ones left out and counted, and the rest inserted: a redelivered
    /// batch costs a lookup per event, not a transaction per event.
    /// </summary>
    private async Task<(int Inserted, int Seen)> InsertNewAsync(List<DeliveryEvent> chunk, CancellationToken cancellationToken)
    {
        var seen = 0;
        for (var round = 0; chunk.Count > 0; round++)
        {
            var actions = chunk
                .Select(e => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(DayPartition(e.At), TableKey.Encode(e.EventId)) { ["At"] = e.At }))
                .ToList();
            try
            {
                await tables.DeliveryEvents.SubmitTransactionOnceAsync(actions, cancellationToken).ConfigureAwait(false);
                return (chunk.Count, seen);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && round < 3)
            {
                var exists = new bool[chunk.Count];
                await Parallel.ForEachAsync(Enumerable.Range(0, chunk.Count), new ParallelOptions { MaxDegreeOfParallelism = StatusWritesAtOnce, CancellationToken = cancellationToken }, async (i, ct) =>
                    exists[i] = await tables.DeliveryEvents.GetEntityOrNullAsync(DayPartition(chunk[i].At), TableKey.Encode(chunk[i].EventId), ct).ConfigureAwait(false) is not null).ConfigureAwait(false);
                var before = chunk.Count;
                chunk = chunk.Where((_, i) => !exists[i]).ToList();
                seen += before - chunk.Count;
            }
        }

        return (0, seen);
    }

    private static string DayPartition(DateTimeOffset at) => "day-" + at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<IReadOnlyDictionary<string, DeliveryEvent>> LatestByAddressAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emails);
        var result = new Dictionary<string, DeliveryEvent>(StringComparer.OrdinalIgnoreCase);
        await Parallel.ForEachAsync(emails.Distinct(StringComparer.OrdinalIgnoreCase), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (email, ct) =>
        {
            var e = await tables.DeliveryStatus.GetEntityOrNullAsync(AddressKey(email), LatestRow, ct).ConfigureAwait(false);
            if (e is null) return;
            var found = new DeliveryEvent(
                EntityValues.Required(e, "EventId"),
                EntityValues.Required(e, "Email"),
                EntityValues.Enum<DeliveryEventType>(e, "Type"),
                e.GetDateTimeOffset("At")!.Value,
                e.GetString("Reason"));
            lock (result) result[email] = found;
        }).ConfigureAwait(false);
        return result;
    }

    private static string AddressKey(string email) => TableKey.Encode(email.Trim().ToLowerInvariant());

    private async Task UpdateLatestAsync(DeliveryEvent ev, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(AddressKey(ev.Email), LatestRow)
        {
            ["EventId"] = ev.EventId,
            ["Email"] = ev.Email,
            ["Type"] = ev.Type.ToString(),
            ["At"] = ev.At,
            ["Reason"] = ev.Reason,
        };
        for (var round = 0; ; round++)
        {
            var stored = await tables.DeliveryStatus.GetEntityOrNullAsync(entity.PartitionKey, LatestRow, cancellationToken).ConfigureAwait(false);
            if (stored is not null && stored.GetDateTimeOffset("At") >= ev.At) return; // not newer: nothing to move
            try
            {
                if (stored is null) await tables.DeliveryStatus.AddEntityOnceAsync(entity, cancellationToken).ConfigureAwait(false);
                else if (stored.GetDateTimeOffset("At") < ev.At) await tables.DeliveryStatus.UpdateReplaceOnceAsync(entity, stored.ETag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && round < 5)
            {
            }
        }
    }
}
