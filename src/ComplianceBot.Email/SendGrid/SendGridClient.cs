using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceBot.Domain.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComplianceBot.Email.SendGrid;

/// <summary>
/// A small client for SendGrid's v3 mail/send endpoint, shaped like an Azure SDK client so the official
/// package could replace it inside this adapter. Never retries a POST blindly: the only second attempt
/// follows a 429, which means SendGrid did not take the message.
/// </summary>
public sealed partial class SendGridClient : IDisposable
{
    /// <summary>SendGrid's limit on personalizations per request.</summary>
    public const int MaxPersonalizations = 1000;

    /// <summary>SendGrid's limit on recipients (to + cc + bcc) per request.</summary>
    public const int MaxRecipients = 1000;

    /// <summary>Most POSTs of one message when SendGrid keeps answering 429.</summary>
    public const int MaxRateLimitedAttempts = 5;

    // X-RateLimit-Reset has one-second resolution: a reset already past still gets a second's pause.
    private static readonly TimeSpan MinimumRateLimitWait = TimeSpan.FromSeconds(1);

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly SendGridClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate;
    private readonly Uri _endpoint;

    /// <summary>Creates a client with its own connection pool and the bearer-auth step.</summary>
    /// <param name="transport">The innermost handler; a pooled <see cref="SocketsHttpHandler"/> when null.</param>
    public SendGridClient(
        SendGridClientOptions options,
        TimeProvider? timeProvider = null,
        ILogger<SendGridClient>? logger = null,
        HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ApiKey)) throw new ArgumentException("SendGrid:ApiKey is required.", nameof(options));
        if (!options.BaseUrl.IsAbsoluteUri) throw new ArgumentException("SendGrid:BaseUrl must be an absolute URL.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1);

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _gate = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _endpoint = new Uri(options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/v3/mail/send");

        // Pooled connections are recycled so DNS changes are seen by a long-lived singleton.
        var inner = transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
        var handler = new SendGridAuthenticationHandler(options.ApiKey) { InnerHandler = inner };

        // The per-request timeout is applied in SendAsync, where it can be told apart from cancellation.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The URL messages are POSTed to.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>
    /// Sends one message: <c>POST {BaseUrl}/v3/mail/send</c>. At most
    /// <see cref="SendGridClientOptions.MaxConcurrency"/> calls are in flight at once across the client.
    /// </summary>
    /// <returns>The outcome as a value; only caller cancellation throws.</returns>
    public async Task<SendGridResponse> SendAsync(SendGridMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var problem = Check(message);
        if (problem is not null) return SendGridResponse.Invalid(problem);

        if (_options.SandboxMode)
        {
            message = message with { MailSettings = new SendGridMailSettings { SandboxMode = new SendGridSetting(true) } };
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PostAsync(body, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sends each message on its own request, at most <see cref="SendGridClientOptions.MaxConcurrency"/>
    /// at a time. Results come back in the order of <paramref name="messages"/>.
    /// </summary>
    public async Task<IReadOnlyList<SendGridResponse>> SendManyAsync(IEnumerable<SendGridMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var tasks = messages.Select(m => SendAsync(m, cancellationToken)).ToList();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    /// <summary>Local checks against SendGrid's documented limits, so a bad message never costs a request.</summary>
    internal static string? Check(SendGridMessage message)
    {
        if (message.Personalizations.Count is < 1 or > MaxPersonalizations)
            return $"personalizations must number 1 to {MaxPersonalizations}, not {message.Personalizations.Count}.";
        if (message.RecipientCount > MaxRecipients)
            return $"at most {MaxRecipients} recipients per request, not {message.RecipientCount}.";
        if (message.Content.Count == 0) return "content is required.";
        if (!PlainEmailAddress.IsValid(message.From.Email)) return "from address is not valid.";
        if (message.ReplyTo is not null && !PlainEmailAddress.IsValid(message.ReplyTo.Email)) return "reply_to address is not valid.";

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var personalization in message.Personalizations)
        {
            if (personalization.To.Count == 0) return "every personalization needs at least one to address.";
            foreach (var to in personalization.To)
            {
                if (!PlainEmailAddress.IsValid(to.Email)) return "a recipient address is not valid.";
                if (!seen.Add(to.Email)) return "the same address may appear only once per request.";
            }
        }

        return null;
    }

    private async Task<SendGridResponse> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = JsonContentType;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogNoAnswer(_logger, attempt, "timeout");
                return new(SendGridOutcome.Unknown, null, null, [], attempt, $"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s");
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError)
            {
                // The connection was never established, so the request cannot have reached SendGrid.
                LogNoAnswer(_logger, attempt, ex.HttpRequestError.ToString());
                return new(SendGridOutcome.NotSent, null, null, [], attempt, $"could not connect: {ex.HttpRequestError}");
            }
            catch (HttpRequestException ex)
            {
                LogNoAnswer(_logger, attempt, ex.HttpRequestError.ToString());
                return new(SendGridOutcome.Unknown, null, null, [], attempt, $"no answer: {ex.HttpRequestError}");
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var messageId = FirstHeader(response, "X-Message-Id");
                    var detail = status == 200 && _options.SandboxMode ? "sandbox mode: validated, not sent" : null;
                    return new(SendGridOutcome.Accepted, status, messageId, [], attempt, detail);
                }

                var errors = await ReadErrorsAsync(response, cancellationToken).ConfigureAwait(false);
                var summary = Summarize(status, errors);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var delay = RateLimitDelay(response);
                    if (delay is null || waited + delay.Value > _options.MaxRateLimitWait || attempt >= MaxRateLimitedAttempts)
                    {
                        LogRateLimited(_logger, attempt, delay?.TotalSeconds ?? -1, false);
                        var why = delay is null ? "no reset time given"
                            : attempt >= MaxRateLimitedAttempts ? $"still limited after {attempt} attempts"
                            : $"reset is beyond the {_options.MaxRateLimitWait.TotalSeconds:0.#} s wait cap";
                        return new(SendGridOutcome.NotSent, status, null, errors, attempt, "rate limited; " + why);
                    }

                    LogRateLimited(_logger, attempt, delay.Value.TotalSeconds, true);
                    waited += delay.Value;
                    await Task.Delay(delay.Value, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                LogFailed(_logger, status, attempt);
                var outcome = IsPermanent(response.StatusCode) ? SendGridOutcome.Rejected : SendGridOutcome.NotSent;
                return new(outcome, status, null, errors, attempt, summary);
            }
        }
    }

    // 4xx other than 408/429 will fail the same way next time; 5xx (and 408) say "not taken, try later".
    private static bool IsPermanent(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && status is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests;

    private TimeSpan? RateLimitDelay(HttpResponseMessage response)
    {
        // X-RateLimit-Reset is a unix time in seconds; Retry-After is the standard fallback.
        var reset = FirstHeader(response, "X-RateLimit-Reset");
        if (long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds))
        {
            var delay = DateTimeOffset.FromUnixTimeSeconds(unixSeconds) - _time.GetUtcNow();
            return delay < MinimumRateLimitWait ? MinimumRateLimitWait : delay;
        }

        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is { } retry) return retry < MinimumRateLimitWait ? MinimumRateLimitWait : retry;

        return null;
    }

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<IReadOnlyList<SendGridError>> ReadErrorsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text)) return [];
            var body = JsonSerializer.Deserialize<ErrorBody>(text, Json);
            return body?.Errors?.Where(e => e is not null).ToList() ?? [];
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

    private sealed record ErrorBody([property: JsonPropertyName("errors")] IReadOnlyList<SendGridError>? Errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid gave no answer on attempt {Attempt} ({Reason}); outcome reported to the caller")]
    private static partial void LogNoAnswer(ILogger logger, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid rate limited attempt {Attempt}; reset in {Seconds} s; waiting: {Waiting}")]
    private static partial void LogRateLimited(ILogger logger, int attempt, double seconds, bool waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid answered {Status} on attempt {Attempt}")]
    private static partial void LogFailed(ILogger logger, int status, int attempt);
}
