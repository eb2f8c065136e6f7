using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Client;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Provider delivery events. Dedupe: one row per event id (PartitionKey = encoded event id), written by
/// insert, so a redelivered event gets 409. Latest status: one row per address (PartitionKey = encoded
/// lower-case address), moved forward only with If-Match. The status is updated before the dedupe row
/// is inserted, so a crash in between is repaired by the provider's redelivery.
/// </summary>
public sealed class TableDeliveryEventStore(TableStorageClient client, StorageTables tables) : IDeliveryEventStore
{
    private const string EventRow = "event";
    private const string LatestRow = "latest";

    public async Task<bool> RecordAsync(DeliveryEvent deliveryEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryEvent);
        var seen = await client.GetEntityAsync(tables.DeliveryEvents, TableKey.Encode(deliveryEvent.EventId), EventRow, cancellationToken).ConfigureAwait(false);
        if (seen is not null) return false;
        await UpdateLatestAsync(deliveryEvent, cancellationToken).ConfigureAwait(false);
        try
        {
            await client.InsertAsync(tables.DeliveryEvents, new TableEntity(TableKey.Encode(deliveryEvent.EventId), EventRow) { ["At"] = deliveryEvent.At }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableStorageException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<IReadOnlyDictionary<string, DeliveryEvent>> LatestByAddressAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emails);
        var result = new Dictionary<string, DeliveryEvent>(StringComparer.OrdinalIgnoreCase);
        await Parallel.ForEachAsync(emails.Distinct(StringComparer.OrdinalIgnoreCase), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (email, ct) =>
        {
            var e = await client.GetEntityAsync(tables.DeliveryStatus, AddressKey(email), LatestRow, ct).ConfigureAwait(false);
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
            var stored = await client.GetEntityAsync(tables.DeliveryStatus, entity.PartitionKey, LatestRow, cancellationToken).ConfigureAwait(false);
            try
            {
                if (stored is null) await client.InsertAsync(tables.DeliveryStatus, entity, cancellationToken).ConfigureAwait(false);
                else if (stored.GetDateTimeOffset("At") < ev.At) await client.UpdateAsync(tables.DeliveryStatus, entity, stored.ETag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TableStorageException ex) when (ex.Status is 409 or 412 && round < 5)
            {
            }
        }
    }
}
