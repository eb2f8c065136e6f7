namespace ComplianceBot.Application.Ports;

/// <summary>A mailbox: address plus optional display name.</summary>
public sealed record EmailAddress(string Address, string? Name = null);

/// <summary>A fully rendered email, ready for a sender.</summary>
/// <param name="OperationId">Opaque id carried in custom_args / a header, never PII.</param>
public sealed record OutgoingEmail(
    string OperationId,
    IReadOnlyList<EmailAddress> To,
    EmailAddress? ReplyTo,
    string Subject,
    string HtmlBody,
    string TextBody,
    string Category)
{
    /// <summary>Files sent with the email (for example a calendar entry); none by default.</summary>
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];
}

/// <summary>A file attached to an email.</summary>
/// <param name="FileName">Name shown to the recipient, e.g. <c>bls-renewal.ics</c>.</param>
/// <param name="ContentType">Media type, e.g. <c>text/calendar</c>; parameters such as <c>; method=PUBLISH</c> allowed.</param>
public sealed record EmailAttachment(string FileName, string ContentType, ReadOnlyMemory<byte> Content);

/// <summary>How a send ended. Expected outcomes are values, not exceptions.</summary>
public enum SendStatus
{
    /// <summary>The provider accepted the message (SendGrid 202, or written to the outbox).</summary>
    Accepted,

    /// <summary>The provider refused it and will always refuse it (400/401/403/413).</summary>
    Rejected,

    /// <summary>The provider answered with an error (5xx, 429 past the wait cap): not sent, may be tried again.</summary>
    NotSent,

    /// <summary>No answer (timeout, connection dropped): it may or may not have gone out.</summary>
    Unknown,
}

public sealed record SendResult(SendStatus Status, string? MessageId, string? Detail)
{
    public static SendResult Accepted(string? messageId) => new(SendStatus.Accepted, messageId, null);
}

/// <summary>Sends one rendered email. Implementations never retry a POST blindly.</summary>
public interface IEmailSender
{
    Task<SendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default);
}
