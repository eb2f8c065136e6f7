namespace ComplianceBot.Domain.Ports;

/// <summary>Delivery outcomes reported by the email provider's event webhook.</summary>
public enum DeliveryEventType
{
    Delivered,
    Bounce,
    Dropped,
    SpamReport,
}

/// <summary>One provider event, already verified.</summary>
public sealed record DeliveryEvent(string EventId, string Email, DeliveryEventType Type, DateTimeOffset At, string? Reason);

/// <summary>Delivery status per address, for "emails to these people are not arriving".</summary>
public interface IDeliveryEventStore
{
    /// <summary>Records the event once; returns false when the event id was seen before.</summary>
    Task<bool> RecordAsync(DeliveryEvent deliveryEvent, CancellationToken cancellationToken = default);

    /// <summary>The latest event per address for the given addresses.</summary>
    Task<IReadOnlyDictionary<string, DeliveryEvent>> LatestByAddressAsync(IEnumerable<string> emails, CancellationToken cancellationToken = default);
}
