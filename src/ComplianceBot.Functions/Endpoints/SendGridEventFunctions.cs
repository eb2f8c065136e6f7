using ComplianceBot.Application.Ports;
using ComplianceBot.Email.Webhook;
using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// SendGrid's signed event webhook. Anonymous at the platform (SendGrid cannot sign in), so the
/// ECDSA signature is the gate: nothing is read into storage unless it verifies.
/// </summary>
public sealed class SendGridEventFunctions(SendGridEventWebhook webhook, IDeliveryEventStore store)
{
    /// <summary>SendGrid batches events; a megabyte is far above a real batch.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    [Function("SendGridEvents")]
    [Allow(Access.Anonymous)]
    [Responds(200, 400, 403, 413, 503)]
    [Operation("SendGrid's signed event webhook (deliveries, bounces, drops); the ECDSA signature is the gate", BodyMediaTypes = ["application/json"])]
    public async Task<IResult> ReceiveAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "sendgrid/events")] HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes) return TooLarge();
        using var buffer = new MemoryStream();
        await using (var capped = ImportFunctions.Capped(request.Body, MaxBodyBytes))
        {
            try
            {
                await capped.CopyToAsync(buffer, ct);
            }
            catch (BodyTooLargeException)
            {
                return TooLarge();
            }
        }

        var result = await webhook.ProcessAsync(request.Headers, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), store, ct);
        return result.Verification switch
        {
            WebhookVerification.Valid => TypedResults.Ok(new { result.Recorded, result.Duplicates, result.Ignored, result.Malformed }),
            WebhookVerification.MissingHeaders => Answers.BadRequest("Signature headers missing", $"Send {SendGridEventWebhook.SignatureHeader} and {SendGridEventWebhook.TimestampHeader}."),
            WebhookVerification.NotConfigured => Answers.Problem(StatusCodes.Status503ServiceUnavailable, "Webhook not configured", "Set SendGrid__WebhookPublicKey; until then no event is accepted."),
            WebhookVerification.Stale => Answers.Problem(StatusCodes.Status403Forbidden, "Stale signature", "The timestamp is outside the accepted window."),
            _ => Answers.Problem(StatusCodes.Status403Forbidden, "Bad signature", "The signature does not match this body and timestamp under the configured public key; check that SendGrid__WebhookPublicKey is the verification key SendGrid shows for this webhook."),
        };
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge() =>
        Answers.Problem(StatusCodes.Status413PayloadTooLarge, "Event batch too large", $"SendGrid batches stay far below {MaxBodyBytes / 1024} KB; nothing was recorded.");
}
