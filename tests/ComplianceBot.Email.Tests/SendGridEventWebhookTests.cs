using ComplianceBot.Domain.Model;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ComplianceBot.Application.Ports;
using ComplianceBot.Email.Webhook;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Tests;

public sealed class SendGridEventWebhookTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 24, 15, 0, 0, TimeSpan.Zero);

    // Raw bytes exactly as SendGrid sends them, including the trailing CRLF.
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """
        [{"email":"maria@clinic.test","timestamp":1774364000,"event":"bounce","type":"bounce","reason":"550 5.1.1 user unknown","sg_event_id":"ZXZlbnQtMQ","sg_message_id":"m1.filter","operation_id":"op-1"},
         {"email":"sam@clinic.test","timestamp":1774364001,"event":"delivered","sg_event_id":"ZXZlbnQtMg","sg_message_id":"m2.filter"},
         {"email":"sam@clinic.test","timestamp":1774364002,"event":"open","sg_event_id":"ZXZlbnQtMw"},
         {"email":"lee@clinic.test","timestamp":1774364003,"event":"dropped","reason":"Bounced Address","sg_event_id":"ZXZlbnQtNA"},
         {"email":"kim@clinic.test","timestamp":1774364004,"event":"spamreport","sg_event_id":"ZXZlbnQtNQ"}]
        """ + "\r\n");

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ManualTimeProvider _time = new(Now);

    public void Dispose() => _key.Dispose();

    [Fact]
    public void ValidWhenSignedByTheConfiguredKey()
    {
        var (signature, timestamp) = Sign(_key, Now, Body);

        Assert.Equal(WebhookVerification.Valid, Webhook(_key).Verify(signature, timestamp, Body));
    }

    [Fact]
    public void BadSignatureWhenOneByteOfTheBodyChanged()
    {
        var (signature, timestamp) = Sign(_key, Now, Body);
        var tampered = (byte[])Body.Clone();
        tampered[10] ^= 0x01;

        Assert.Equal(WebhookVerification.BadSignature, Webhook(_key).Verify(signature, timestamp, tampered));
    }

    [Fact]
    public void BadSignatureWhenTheTimestampWasChanged()
    {
        var (signature, _) = Sign(_key, Now, Body);

        Assert.Equal(WebhookVerification.BadSignature, Webhook(_key).Verify(signature, Unix(Now.AddSeconds(1)), Body));
    }

    [Fact]
    public void BadSignatureWhenSignedByAnotherKey()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (signature, timestamp) = Sign(other, Now, Body);

        Assert.Equal(WebhookVerification.BadSignature, Webhook(_key).Verify(signature, timestamp, Body));
    }

    [Fact]
    public void BadSignatureWhenTheSignatureIsNotBase64()
    {
        Assert.Equal(WebhookVerification.BadSignature, Webhook(_key).Verify("not base64!", Unix(Now), Body));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void StaleWhenTheTimestampIsOutsideFiveMinutes(int offsetSeconds)
    {
        var (signature, timestamp) = Sign(_key, Now.AddSeconds(offsetSeconds), Body);

        Assert.Equal(WebhookVerification.Stale, Webhook(_key).Verify(signature, timestamp, Body));
    }

    [Fact]
    public void ValidAtTheEdgeOfTheTolerance()
    {
        var (signature, timestamp) = Sign(_key, Now.AddSeconds(-300), Body);

        Assert.Equal(WebhookVerification.Valid, Webhook(_key).Verify(signature, timestamp, Body));
    }

    [Fact]
    public void MissingHeadersWhenEitherHeaderIsAbsent()
    {
        var (signature, timestamp) = Sign(_key, Now, Body);
        var webhook = Webhook(_key);

        Assert.Equal(WebhookVerification.MissingHeaders, webhook.Verify(new HeaderDictionary(), Body));
        Assert.Equal(WebhookVerification.MissingHeaders, webhook.Verify(Headers(signature, null), Body));
        Assert.Equal(WebhookVerification.MissingHeaders, webhook.Verify(Headers(null, timestamp), Body));
    }

    [Fact]
    public void NotConfiguredWhenNoPublicKeyIsSet()
    {
        var webhook = new SendGridEventWebhook(Options.Create(new SendGridWebhookOptions()), _time);
        var (signature, timestamp) = Sign(_key, Now, Body);

        Assert.Equal(WebhookVerification.NotConfigured, webhook.Verify(signature, timestamp, Body));
    }

    [Fact]
    public async Task TrackedEventsRecordedAndOthersIgnoredWhenValid()
    {
        var store = new InMemoryDeliveryEventStore();
        var (signature, timestamp) = Sign(_key, Now, Body);

        var result = await Webhook(_key).ProcessAsync(Headers(signature, timestamp), Body, store);

        Assert.Equal(new WebhookProcessResult(WebhookVerification.Valid, 4, 0, 1, 0), result);
        var bounce = store.Events["ZXZlbnQtMQ"];
        Assert.Equal(DeliveryEventType.Bounce, bounce.Type);
        Assert.Equal("maria@clinic.test", bounce.Email);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1774364000), bounce.At);
        Assert.Equal("bounce: 550 5.1.1 user unknown", bounce.Reason);
        Assert.Equal(DeliveryEventType.Delivered, store.Events["ZXZlbnQtMg"].Type);
        Assert.Equal(DeliveryEventType.Dropped, store.Events["ZXZlbnQtNA"].Type);
        Assert.Equal("Bounced Address", store.Events["ZXZlbnQtNA"].Reason);
        Assert.Equal(DeliveryEventType.SpamReport, store.Events["ZXZlbnQtNQ"].Type);
    }

    [Fact]
    public async Task DuplicatesCountedAndNotRecordedAgainWhenTheSameEventIdArrivesTwice()
    {
        var store = new InMemoryDeliveryEventStore();
        var webhook = Webhook(_key);
        var (signature, timestamp) = Sign(_key, Now, Body);
        await webhook.ProcessAsync(Headers(signature, timestamp), Body, store);

        var again = await webhook.ProcessAsync(Headers(signature, timestamp), Body, store);

        Assert.Equal(new WebhookProcessResult(WebhookVerification.Valid, 0, 4, 1, 0), again);
        Assert.Equal(4, store.Events.Count);
    }

    [Fact]
    public async Task NothingRecordedWhenTheSignatureIsBad()
    {
        var store = new InMemoryDeliveryEventStore();
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (signature, timestamp) = Sign(other, Now, Body);

        var result = await Webhook(_key).ProcessAsync(Headers(signature, timestamp), Body, store);

        Assert.Equal(WebhookVerification.BadSignature, result.Verification);
        Assert.Empty(store.Events);
    }

    [Fact]
    public void MalformedCountedWhenEventsLackFieldsOrTheBodyIsNotAnArray()
    {
        var parsed = SendGridEventWebhook.Parse("""[{"event":"bounce","email":"a@b.test","timestamp":1},{"email":"a@b.test"},42]"""u8);
        Assert.Equal(3, parsed.Malformed);
        Assert.Empty(parsed.Events);

        Assert.Equal(1, SendGridEventWebhook.Parse("{\"event\":\"bounce\"}"u8).Malformed);
        Assert.Equal(1, SendGridEventWebhook.Parse("not json"u8).Malformed);
    }

    [Fact]
    public void InvalidKeyIsRefusedWhenConfigured()
    {
        Assert.ThrowsAny<Exception>(() => SendGridEventWebhook.ParsePublicKey("bm90IGEga2V5"));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<CryptographicException>(() => SendGridEventWebhook.ParsePublicKey(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
    }

    private SendGridEventWebhook Webhook(ECDsa key) =>
        new(Options.Create(new SendGridWebhookOptions { WebhookPublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) }), _time);

    private static (string Signature, string Timestamp) Sign(ECDsa key, DateTimeOffset at, byte[] body)
    {
        var timestamp = Unix(at);
        var payload = Encoding.UTF8.GetBytes(timestamp).Concat(body).ToArray();
        var signature = key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return (Convert.ToBase64String(signature), timestamp);
    }

    private static string Unix(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static HeaderDictionary Headers(string? signature, string? timestamp)
    {
        var headers = new HeaderDictionary();
        if (signature is not null) headers[SendGridEventWebhook.SignatureHeader] = signature;
        if (timestamp is not null) headers[SendGridEventWebhook.TimestampHeader] = timestamp;
        return headers;
    }
}
