namespace ComplianceBot.Email.Webhook;

/// <summary>Settings of the signed event webhook, bound from the <c>SendGrid</c> configuration section.</summary>
public sealed class SendGridWebhookOptions
{
    /// <summary>
    /// The account's event-webhook verification key (<c>SendGrid:WebhookPublicKey</c>, environment
    /// <c>SendGrid__WebhookPublicKey</c>): base64 DER SubjectPublicKeyInfo of an ECDSA P-256 key, as
    /// returned by <c>GET /v3/user/webhooks/event/settings/signed</c>, without PEM armour. When empty,
    /// every webhook request is refused.
    /// </summary>
    public string? WebhookPublicKey { get; set; }

    /// <summary>
    /// How far the signed timestamp may be from now, either way (<c>SendGrid:WebhookTimestampTolerance</c>),
    /// default 5 minutes. Older requests are refused as replays.
    /// </summary>
    public TimeSpan WebhookTimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);
}
