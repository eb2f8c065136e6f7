using ComplianceBot.Application.Ports;
using ComplianceBot.Email.Webhook;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// SendGrid's signed event webhook. Anonymous at the platform (SendGrid cannot sign in), so the
/// ECDSA signature is the gate: nothing is read into storage unless it verifies.
/// </summary>
public static class SendGridEventsApi
{
    /// <summary>SendGrid batches events; a megabyte is far above a real batch.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapSendGridEvents(this IEndpointRouteBuilder app)
    {
        app.MapPost(FunctionEndpoints.PathOf("SendGridEvents"), async (HttpContext context, SendGridEventWebhook webhook, IDeliveryEventStore store, CancellationToken ct) =>
        {
            if (context.Request.ContentLength > MaxBodyBytes) return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Event batch too large");
            using var buffer = new MemoryStream();
            await using (var capped = ImportApi.Capped(context.Request.Body, MaxBodyBytes))
            {
                try
                {
                    await capped.CopyToAsync(buffer, ct);
                }
                catch (BodyTooLargeException)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Event batch too large");
                }
            }

            var result = await webhook.ProcessAsync(context.Request.Headers, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), store, ct);
            return result.Verification switch
            {
                WebhookVerification.Valid => (IResult)TypedResults.Ok(new { result.Recorded, result.Duplicates, result.Ignored, result.Malformed }),
                WebhookVerification.MissingHeaders => FunctionEndpoints.BadRequest("Signature headers missing", $"Send {SendGridEventWebhook.SignatureHeader} and {SendGridEventWebhook.TimestampHeader}."),
                WebhookVerification.NotConfigured => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Webhook not configured", detail: "Set SendGrid__WebhookPublicKey; until then no event is accepted."),
                WebhookVerification.Stale => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Stale signature", detail: "The timestamp is outside the accepted window."),
                _ => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Bad signature", detail: "The signature does not match this body and timestamp under the configured public key; check that SendGrid__WebhookPublicKey is the verification key SendGrid shows for this webhook."),
            };
        }).AsFunction("SendGridEvents");
        return app;
    }
}
