using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>How a batch of provider events was taken in.</summary>
/// <param name="Recorded">Events seen for the first time.</param>
/// <param name="Duplicates">Events seen before (the provider redelivers), or given twice in the batch.</param>
public readonly record struct DeliveryBatchResult(int Recorded, int Duplicates);

/// <summary>Delivery status per address, for "emails to these people are not arriving".</summary>
public interface IDeliveryEventStore
{
    /// <summary>
    /// Records a batch of events (a webhook request holds up to thousands): each event once by its id, and each
    /// address's latest status. Safe to repeat: a redelivered batch records nothing new.
    /// </summary>
    Task<DeliveryBatchResult> RecordManyAsync(IReadOnlyList<DeliveryEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The latest event per address for the given addresses.</summary>
    Task<IReadOnlyDictionary<string, DeliveryEvent>> LatestByAddressAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default);
}
