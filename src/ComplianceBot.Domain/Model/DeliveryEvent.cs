namespace ComplianceBot.Domain.Model;

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
