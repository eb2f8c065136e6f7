using ComplianceBot.Domain.Model;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComplianceBot.Application.Ports;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Webhook;

/// <summary>Result of checking a webhook request's signature.</summary>
public enum WebhookVerification
{
    /// <summary>Signed by the configured key, within the timestamp tolerance.</summary>
    Valid,

    /// <summary>The signature or timestamp header is absent.</summary>
    MissingHeaders,

    /// <summary>The signature does not verify (or is not even well formed).</summary>
    BadSignature,

    /// <summary>Authentic but outside the timestamp tolerance: a replay or a badly skewed clock.</summary>
    Stale,

    /// <summary>No verification key is configured, so nothing can be trusted.</summary>
    NotConfigured,
}

/// <summary>What one webhook request came to.</summary>
/// <param name="Recorded">Events stored for the first time.</param>
/// <param name="Duplicates">Events whose <c>sg_event_id</c> the store had already seen.</param>
/// <param name="Ignored">Event types ComplianceBot does not track (processed, open, click, ...).</param>
/// <param name="Malformed">Events without the fields we need, or 1 when the body is not a JSON array.</param>
public sealed record WebhookProcessResult(WebhookVerification Verification, int Recorded, int Duplicates, int Ignored, int Malformed)
{
    public bool IsValid => Verification == WebhookVerification.Valid;
}

/// <summary>One parsed batch of events.</summary>
public sealed record ParsedEvents(IReadOnlyList<DeliveryEvent> Events, int Ignored, int Malformed);

/// <summary>
/// SendGrid's signed event webhook: verifies the ECDSA P-256 signature over the timestamp and the raw
/// body, parses the event array, and records bounce, dropped, spamreport and delivered events once each.
/// https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
/// </summary>
public sealed class SendGridEventWebhook
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private readonly byte[]? _publicKey;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public SendGridEventWebhook(IOptions<SendGridWebhookOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = timeProvider;
        _tolerance = options.Value.WebhookTimestampTolerance;
        _publicKey = ParsePublicKey(options.Value.WebhookPublicKey);
    }

    /// <summary>Decodes and checks a configured key; null when none is set. Throws when it is not a P-256 SPKI.</summary>
    internal static byte[]? ParsePublicKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64)) return null;
        var der = Convert.FromBase64String(base64.Trim());
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(der, out _);
        if (key.KeySize != 256) throw new CryptographicException("SendGrid:WebhookPublicKey must be an ECDSA P-256 key.");
        return der;
    }

    /// <summary>Checks the signature headers of a request against its raw body bytes.</summary>
    public WebhookVerification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> rawBody)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Verify(Single(headers, SignatureHeader), Single(headers, TimestampHeader), rawBody);
    }

    /// <summary>
    /// Checks <paramref name="signature"/> (base64 DER ECDSA) over UTF-8 <paramref name="timestamp"/>
    /// followed by <paramref name="rawBody"/> exactly as received, then the timestamp's age.
    /// </summary>
    public WebhookVerification Verify(string? signature, string? timestamp, ReadOnlySpan<byte> rawBody)
    {
        if (_publicKey is null) return WebhookVerification.NotConfigured;
        if (string.IsNullOrWhiteSpace(signature) || string.IsNullOrWhiteSpace(timestamp)) return WebhookVerification.MissingHeaders;

        var signatureBytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature.Trim(), signatureBytes, out var signatureLength)) return WebhookVerification.BadSignature;

        var timestampBytes = Encoding.UTF8.GetBytes(timestamp);
        var signed = new byte[timestampBytes.Length + rawBody.Length];
        timestampBytes.CopyTo(signed, 0);
        rawBody.CopyTo(signed.AsSpan(timestampBytes.Length));

        // A fresh key object per call: ECDsa instances are not documented as thread-safe.
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_publicKey, out _);
        var valid = key.VerifyData(signed, signatureBytes.AsSpan(0, signatureLength), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        if (!valid) return WebhookVerification.BadSignature;

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds)) return WebhookVerification.Stale;
        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(unixSeconds, 0, 253402300799));
        return age.Duration() > _tolerance ? WebhookVerification.Stale : WebhookVerification.Valid;
    }

    /// <summary>
    /// Verifies, parses and records one webhook request. Nothing is parsed or stored unless the
    /// signature is <see cref="WebhookVerification.Valid"/>.
    /// </summary>
    public async Task<WebhookProcessResult> ProcessAsync(
        IHeaderDictionary headers,
        ReadOnlyMemory<byte> rawBody,
        IDeliveryEventStore store,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var verification = Verify(headers, rawBody.Span);
        if (verification != WebhookVerification.Valid) return new WebhookProcessResult(verification, 0, 0, 0, 0);

        var parsed = Parse(rawBody.Span);
        var (recorded, duplicates) = parsed.Events.Count == 0
            ? default
            : await store.RecordManyAsync(parsed.Events, cancellationToken).ConfigureAwait(false);
        return new WebhookProcessResult(verification, recorded, duplicates, parsed.Ignored, parsed.Malformed);
    }

    /// <summary>
    /// Parses SendGrid's JSON array of events into the four tracked types; other types are counted as
    /// ignored, entries without an id, address or known shape as malformed.
    /// </summary>
    public static ParsedEvents Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return new ParsedEvents([], 0, 1);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) return new ParsedEvents([], 0, 1);

            var events = new List<DeliveryEvent>();
            int ignored = 0, malformed = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    malformed++;
                    continue;
                }

                var eventName = String(element, "event");
                if (eventName is null)
                {
                    malformed++;
                    continue;
                }

                DeliveryEventType? type = eventName switch
                {
                    "delivered" => DeliveryEventType.Delivered,
                    "bounce" => DeliveryEventType.Bounce,
                    "dropped" => DeliveryEventType.Dropped,
                    "spamreport" => DeliveryEventType.SpamReport,
                    _ => null,
                };
                if (type is null)
                {
                    ignored++;
                    continue;
                }

                var id = String(element, "sg_event_id");
                var email = String(element, "email");
                if (string.IsNullOrWhiteSpace(id) || id.Length > 100 || string.IsNullOrWhiteSpace(email) || !TryTimestamp(element, out var at))
                {
                    malformed++;
                    continue;
                }

                events.Add(new DeliveryEvent(id, email.Trim().ToLowerInvariant(), type.Value, at, Reason(element, type.Value)));
            }

            return new ParsedEvents(events, ignored, malformed);
        }
    }

    private static string? Reason(JsonElement element, DeliveryEventType type)
    {
        if (type is DeliveryEventType.Delivered or DeliveryEventType.SpamReport) return null;

        // Bounces carry type (bounce | blocked | expired) and the receiving server's reason.
        var reason = String(element, "reason");
        var bounceType = type == DeliveryEventType.Bounce ? String(element, "type") : null;
        var text = bounceType is null ? reason : reason is null ? bounceType : $"{bounceType}: {reason}";
        return text is { Length: > 500 } ? text[..500] : text;
    }

    private static bool TryTimestamp(JsonElement element, out DateTimeOffset at)
    {
        at = default;
        if (!element.TryGetProperty("timestamp", out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds)) return false;
        if (seconds is < 0 or > 253402300799) return false;
        at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
}
