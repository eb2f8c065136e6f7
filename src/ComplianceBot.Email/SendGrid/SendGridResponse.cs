namespace ComplianceBot.Email.SendGrid;

/// <summary>What a mail/send call came to, from the caller's point of view.</summary>
public enum SendGridOutcome
{
    /// <summary>202 (or 200 in sandbox mode): queued by SendGrid.</summary>
    Accepted,

    /// <summary>400/401/403/413 and other permanent client errors, or a message that failed local checks.</summary>
    Rejected,

    /// <summary>SendGrid answered but did not take the message (5xx, 429 beyond the wait cap, no connection).</summary>
    NotSent,

    /// <summary>No answer (timeout, connection dropped mid-request): it may or may not have been accepted.</summary>
    Unknown,
}

/// <summary>Result of one <see cref="SendGridClient.SendAsync"/> call. Expected failures are values, not exceptions.</summary>
/// <param name="StatusCode">HTTP status of the last answer; null when there was none.</param>
/// <param name="MessageId">SendGrid's <c>X-Message-Id</c>; matches <c>sg_message_id</c> in webhook events.</param>
/// <param name="Errors">SendGrid's error messages, when it sent any.</param>
/// <param name="Attempts">POSTs made: more than one only after a 429.</param>
/// <param name="Detail">A short human explanation for logs and the ledger.</param>
public sealed record SendGridResponse(
    SendGridOutcome Outcome,
    int? StatusCode,
    string? MessageId,
    IReadOnlyList<SendGridError> Errors,
    int Attempts,
    string? Detail)
{
    /// <summary>A failure decided before anything was sent.</summary>
    internal static SendGridResponse Invalid(string detail) => new(SendGridOutcome.Rejected, null, null, [], 0, detail);
}
