using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceBot.Application.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SendGrid;
using SdkAddress = SendGrid.Helpers.Mail.EmailAddress;
using SdkAttachment = SendGrid.Helpers.Mail.Attachment;
using SdkMessage = SendGrid.Helpers.Mail.SendGridMessage;
using SdkPersonalization = SendGrid.Helpers.Mail.Personalization;

namespace ComplianceBot.Email.SendGrid;

/// <summary>
/// The production <see cref="IEmailSender"/>: one email becomes one SendGrid <c>POST /v3/mail/send</c>
/// with one personalization, through <see cref="ISendGridClient"/>. A POST is never repeated blindly
/// (ADR 0003): the only second attempt follows a 429, which means SendGrid did not take the message;
/// a timeout, a dropped connection or a cancellation while the request is in flight is
/// <see cref="SendStatus.Unknown"/>, for a person to resolve, never resent.
/// </summary>
public sealed partial class SendGridEmailSender : IEmailSender, IDisposable
{
    /// <summary>The only custom argument sent: an opaque operation id, echoed in webhook events.</summary>
    public const string OperationIdArgument = "operation_id";

    /// <summary>Most POSTs of one message when SendGrid keeps answering 429.</summary>
    public const int MaxRateLimitedAttempts = 5;

    // X-RateLimit-Reset has one-second resolution: a reset already past still gets a second's pause.
    private static readonly TimeSpan MinimumRateLimitWait = TimeSpan.FromSeconds(1);

    private readonly ISendGridClient _client;
    private readonly SendGridOptions _sendGrid;
    private readonly EmailOptions _email;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate;

    /// <param name="client">
    /// Must not retry on its own: the SDK's <c>ReliabilitySettings</c> retries timeouts and a resilience
    /// handler retries POSTs, either of which can send one reminder twice. <c>AddEmailServices</c>
    /// builds it on a plain <see cref="HttpClient"/> from the factory, which the SDK never wraps.
    /// </param>
    public SendGridEmailSender(
        ISendGridClient client,
        IOptions<SendGridOptions> sendGridOptions,
        IOptions<EmailOptions> emailOptions,
        TimeProvider timeProvider,
        ILogger<SendGridEmailSender> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(sendGridOptions);
        ArgumentNullException.ThrowIfNull(emailOptions);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _client = client;
        _sendGrid = sendGridOptions.Value;
        _email = emailOptions.Value;
        _time = timeProvider;
        _logger = logger;
        ArgumentOutOfRangeException.ThrowIfLessThan(_sendGrid.MaxConcurrency, 1);
        _gate = new SemaphoreSlim(_sendGrid.MaxConcurrency, _sendGrid.MaxConcurrency);
    }

    /// <summary>
    /// Sends one email; at most <see cref="SendGridOptions.MaxConcurrency"/> are in flight at once.
    /// </summary>
    /// <returns>
    /// The outcome as a value. Cancellation throws only while nothing is in flight (waiting for a slot
    /// or for a rate-limit reset); once the POST has started it is reported as <see cref="SendStatus.Unknown"/>.
    /// </returns>
    public async Task<SendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(email);
        var (prepared, problem) = PreparedEmail.Prepare(email, _email);
        if (prepared is null) return new SendResult(SendStatus.Rejected, null, problem);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendPreparedAsync(prepared, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The SDK's request body for <paramref name="email"/>.</summary>
    internal static SdkMessage ToSendGridMessage(PreparedEmail email, bool sandboxMode)
    {
        var message = new SdkMessage
        {
            From = new SdkAddress(email.From.Address, email.From.Name),
            Subject = email.Subject,
            PlainTextContent = email.TextBody,
            HtmlContent = email.HtmlBody,
            Personalizations =
            [
                new SdkPersonalization
                {
                    Tos = [.. email.To.Select(a => new SdkAddress(a.Address, a.Name))],
                    CustomArgs = new Dictionary<string, string> { [OperationIdArgument] = email.OperationId },
                },
            ],
        };
        if (email.ReplyTo is { } replyTo) message.ReplyTo = new SdkAddress(replyTo.Address, replyTo.Name);
        if (email.Category.Length > 0) message.Categories = [email.Category];
        foreach (var attachment in email.Attachments)
        {
            message.AddAttachment(new SdkAttachment
            {
                Filename = attachment.FileName,
                Type = attachment.ContentType,
                Content = Convert.ToBase64String(attachment.Content.Span),
                Disposition = "attachment",
            });
        }

        if (sandboxMode) message.SetSandBoxMode(true);
        return message;
    }

    private async Task<SendResult> SendPreparedAsync(PreparedEmail email, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            // Serialize() moves the bodies into "content" in place: every attempt gets a fresh message.
            var (response, noAnswer) = await PostOnceAsync(ToSendGridMessage(email, _sendGrid.SandboxMode), attempt, cancellationToken).ConfigureAwait(false);
            if (response is null) return noAnswer!;

            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var detail = status == 200 && _sendGrid.SandboxMode ? "sandbox mode: validated, not sent" : null;
                return new SendResult(SendStatus.Accepted, FirstHeader(response, "X-Message-Id"), detail);
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var delay = RateLimitDelay(response);
                if (delay is null || waited + delay.Value > _sendGrid.MaxRateLimitWait || attempt >= MaxRateLimitedAttempts)
                {
                    LogRateLimited(_logger, attempt, delay?.TotalSeconds ?? -1, false);
                    var why = delay is null ? "no reset time given"
                        : attempt >= MaxRateLimitedAttempts ? $"still limited after {attempt} attempts"
                        : $"reset is beyond the {_sendGrid.MaxRateLimitWait.TotalSeconds:0.#} s wait cap";
                    return new SendResult(SendStatus.NotSent, null, "rate limited; " + why);
                }

                LogRateLimited(_logger, attempt, delay.Value.TotalSeconds, true);
                waited += delay.Value;
                await Task.Delay(delay.Value, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            LogFailed(_logger, status, attempt);
            var summary = Summarize(status, await ReadErrorsAsync(response).ConfigureAwait(false));
            return new SendResult(IsPermanent(response.StatusCode) ? SendStatus.Rejected : SendStatus.NotSent, null, summary);
        }
    }

    /// <summary>One POST: SendGrid's answer, or the outcome when there was none.</summary>
    private async Task<(Response? Response, SendResult? NoAnswer)> PostOnceAsync(SdkMessage message, int attempt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Wall-clock, like HttpClient.Timeout: it guards a real socket, and a test clock moved forward
        // must not cancel requests in flight. Our own source, so a timeout is told apart from the caller's cancel.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_sendGrid.RequestTimeout);
        try
        {
            return (await _client.SendEmailAsync(message, timeout.Token).ConfigureAwait(false), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogNoAnswer(_logger, attempt, "cancelled");
            return (null, new SendResult(SendStatus.Unknown, null, "cancelled while the request was in flight; it may have been accepted"));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            LogNoAnswer(_logger, attempt, "timeout");
            return (null, new SendResult(SendStatus.Unknown, null, $"no answer within {_sendGrid.RequestTimeout.TotalSeconds:0.#} s; it may have been accepted"));
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError)
        {
            // The connection was never established, so the request cannot have reached SendGrid.
            LogNoAnswer(_logger, attempt, ex.HttpRequestError.ToString());
            return (null, new SendResult(SendStatus.NotSent, null, $"could not connect: {ex.HttpRequestError}"));
        }
        catch (HttpRequestException ex)
        {
            LogNoAnswer(_logger, attempt, ex.HttpRequestError.ToString());
            return (null, new SendResult(SendStatus.Unknown, null, $"no answer: {ex.HttpRequestError}; it may have been accepted"));
        }
    }

    // 4xx other than 408/429 will fail the same way next time; 5xx (and 408) say "not taken, try later".
    private static bool IsPermanent(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && status is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests;

    private TimeSpan? RateLimitDelay(Response response)
    {
        // X-RateLimit-Reset is a unix time in seconds; Retry-After is the standard fallback.
        var reset = FirstHeader(response, "X-RateLimit-Reset");
        if (long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds))
        {
            var delay = DateTimeOffset.FromUnixTimeSeconds(unixSeconds) - _time.GetUtcNow();
            return delay < MinimumRateLimitWait ? MinimumRateLimitWait : delay;
        }

        var retryAfter = response.Headers?.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is { } retry) return retry < MinimumRateLimitWait ? MinimumRateLimitWait : retry;

        return null;
    }

    private static string? FirstHeader(Response response, string name) =>
        response.Headers is { } headers && headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<IReadOnlyList<SendGridError>> ReadErrorsAsync(Response response)
    {
        if (response.Body is null) return [];
        try
        {
            // HttpClient has already buffered the body; reading it cannot be worth cancelling the outcome for.
            var text = await response.Body.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text)) return [];
            return JsonSerializer.Deserialize(text, SendGridErrorJson.Default.SendGridErrorBody)?.Errors?.OfType<SendGridError>().ToList() ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Summarize(int status, IReadOnlyList<SendGridError> errors)
    {
        if (errors.Count == 0) return $"HTTP {status}";
        var messages = errors.Select(e => e.Field is null ? e.Message : $"{e.Field}: {e.Message}");
        return $"HTTP {status}: {string.Join("; ", messages)}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid gave no answer on attempt {Attempt} ({Reason}); outcome reported to the caller")]
    private static partial void LogNoAnswer(ILogger logger, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid rate limited attempt {Attempt}; reset in {Seconds} s; waiting: {Waiting}")]
    private static partial void LogRateLimited(ILogger logger, int attempt, double seconds, bool waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid answered {Status} on attempt {Attempt}")]
    private static partial void LogFailed(ILogger logger, int status, int attempt);
}

/// <summary>SendGrid's error body: <c>{"errors":[{"message","field","help"}],"id"}</c>.</summary>
internal sealed record SendGridErrorBody([property: JsonPropertyName("errors")] IReadOnlyList<SendGridError?>? Errors);

/// <summary>One entry of SendGrid's error body.</summary>
internal sealed record SendGridError(
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("field")] string? Field = null);

[JsonSerializable(typeof(SendGridErrorBody))]
internal sealed partial class SendGridErrorJson : JsonSerializerContext;
