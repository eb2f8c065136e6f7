using System.Text.Json.Serialization;

namespace ComplianceBot.Email.SendGrid;

// Payload of POST /v3/mail/send, the subset ComplianceBot uses.
// https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send

/// <summary>One v3 mail/send request body.</summary>
public sealed record SendGridMessage
{
    [JsonPropertyName("personalizations")]
    public required IReadOnlyList<SendGridPersonalization> Personalizations { get; init; }

    [JsonPropertyName("from")]
    public required SendGridAddress From { get; init; }

    [JsonPropertyName("reply_to")]
    public SendGridAddress? ReplyTo { get; init; }

    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>Bodies, <c>text/plain</c> first, then <c>text/html</c>.</summary>
    [JsonPropertyName("content")]
    public required IReadOnlyList<SendGridContent> Content { get; init; }

    [JsonPropertyName("categories")]
    public IReadOnlyList<string>? Categories { get; init; }

    [JsonPropertyName("mail_settings")]
    public SendGridMailSettings? MailSettings { get; init; }

    /// <summary>Recipients across every personalization (to, cc and bcc count towards SendGrid's 1000).</summary>
    [JsonIgnore]
    public int RecipientCount => Personalizations.Sum(p => p.To.Count);
}

/// <summary>Recipients and per-recipient data of one personalization.</summary>
public sealed record SendGridPersonalization
{
    [JsonPropertyName("to")]
    public required IReadOnlyList<SendGridAddress> To { get; init; }

    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>Opaque ids only (never names or credential numbers); echoed in webhook events.</summary>
    [JsonPropertyName("custom_args")]
    public IReadOnlyDictionary<string, string>? CustomArgs { get; init; }
}

/// <summary>An address and an optional display name.</summary>
public sealed record SendGridAddress(
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("name")] string? Name = null);

/// <summary>One body part.</summary>
public sealed record SendGridContent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("value")] string Value);

public sealed record SendGridMailSettings
{
    [JsonPropertyName("sandbox_mode")]
    public SendGridSetting? SandboxMode { get; init; }
}

public sealed record SendGridSetting([property: JsonPropertyName("enable")] bool Enable);

/// <summary>One entry of SendGrid's <c>{"errors":[...]}</c> error body.</summary>
public sealed record SendGridError(
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("field")] string? Field = null);
