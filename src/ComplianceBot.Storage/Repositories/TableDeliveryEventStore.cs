using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Provider delivery events. Dedupe: one row per event id (PartitionKey = encoded event id), written by
/// insert, so a redelivered event gets 409. Latest status: one row per address (PartitionKey = encoded
/// lower-case address), moved forward only with If-Match. The status is updated before the dedupe row
/// is inserted, so a crash in between is repaired by the provider's redelivery.
/// </summary>
public sealed class TableDeliveryEventStore(StorageTables tables) : IDeliveryEventStore
{
    private const string EventRow = "event";
    private const string LatestRow = "latest";

    public async Task<bool> RecordAsync(DeliveryEvent deliveryEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryEvent);
        var seen = await tables.DeliveryEvents.GetEntityOrNullAsync(TableKey.Encode(deliveryEvent.EventId), EventRow, cancellationToken).ConfigureAwait(false);
        if (seen is not null) return false;
        await UpdateLatestAsync(deliveryEvent, cancellationToken).ConfigureAwait(false);
        try
        {
            await tables.DeliveryEvents.AddEntityOnceAsync(new TableEntity(TableKey.Encode(deliveryEvent.EventId), EventRow) { ["At"] = deliveryEvent.At }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
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
