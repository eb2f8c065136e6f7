using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Delivery status per address, for "emails to these people are not arriving".</summary>
public interface IDeliveryEventStore
{
    /// <summary>Records the event once; returns false when the event id was seen before.</summary>
    Task<bool> RecordAsync(DeliveryEvent deliveryEvent, CancellationToken cancellationToken = default);

    /// <summary>The latest event per address for the given addresses.</summary>
    Task<IReadOnlyDictionary<string, DeliveryEvent>> LatestByAddressAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default);
}
