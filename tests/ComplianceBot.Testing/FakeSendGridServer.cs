using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComplianceBot.Testing;

/// <summary>One scripted answer of the fake.</summary>
/// <param name="StatusCode">HTTP status to answer with.</param>
/// <param name="MessageId">Value of <c>X-Message-Id</c>, if any.</param>
/// <param name="RateLimitReset">Sent as <c>X-RateLimit-Reset</c> (unix seconds).</param>
/// <param name="Body">Response body (JSON), if any.</param>
/// <param name="DropConnection">Read the request, then abort the connection without answering.</param>
/// <param name="Delay">Real-time delay before answering.</param>
public sealed record FakeSendGridResponse(
    int StatusCode,
    string? MessageId = null,
    DateTimeOffset? RateLimitReset = null,
    string? Body = null,
    bool DropConnection = false,
    TimeSpan Delay = default)
{
    public static FakeSendGridResponse Accepted(string? messageId = null, TimeSpan delay = default) =>
        new(202, messageId ?? "msg-" + Guid.NewGuid().ToString("N")[..16], Delay: delay);

    /// <summary>What sandbox mode answers: 200, no message id.</summary>
    public static FakeSendGridResponse SandboxOk() => new(200);

    public static FakeSendGridResponse RateLimited(DateTimeOffset reset) =>
        new(429, RateLimitReset: reset, Body: ErrorBody("too many requests", null));

    public static FakeSendGridResponse ServerError() => new(500, Body: ErrorBody("internal error", null));

    public static FakeSendGridResponse BadRequest(string message, string? field = null) => new(400, Body: ErrorBody(message, field));

    public static FakeSendGridResponse Drop(TimeSpan delay = default) => new(0, DropConnection: true, Delay: delay);

    /// <summary>SendGrid's error body: <c>{"errors":[{"message","field","help"}]}</c>.</summary>
    public static string ErrorBody(string message, string? field) =>
        new JsonObject
        {
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["field"] = field, ["help"] = null }),
        }.ToJsonString();
}

/// <summary>One request the fake received.</summary>
/// <param name="Json">The parsed body; null when it was not JSON.</param>
/// <param name="Violations">Shape violations found in this request (it was answered 400 when any).</param>
public sealed record FakeSendGridRequest(
    DateTimeOffset ReceivedAt,
    string Method,
    string Path,
    string? Authorization,
    string Body,
    JsonNode? Json,
    IReadOnlyList<string> Violations);

/// <summary>
/// A fake SendGrid v3 mail/send endpoint: a real Kestrel server on 127.0.0.1 (random port) in the test
/// process. Answers from a queue of scripted responses (then <see cref="DefaultResponse"/>), records
/// every request, and checks each payload against the documented shape; a violation is answered 400
/// as SendGrid would and recorded for the test to assert on.
/// </summary>
public sealed class FakeSendGridServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeSendGridResponse> _script = new();
    private readonly ConcurrentQueue<FakeSendGridRequest> _requests = new();
    private readonly TimeProvider _clock;
    private int _inFlight;
    private int _maxInFlight;

    private FakeSendGridServer(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>Base URL to give the client, e.g. <c>http://127.0.0.1:54321</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The answer when the script is empty; 202 with a fresh message id by default.</summary>
    public FakeSendGridResponse DefaultResponse { get; set; } = FakeSendGridResponse.Accepted();

    /// <summary>When set, a request whose bearer token differs is answered 401.</summary>
    public string? ExpectedApiKey { get; set; }

    /// <summary>Whether requests are kept (turn off for long benchmark runs).</summary>
    public bool RecordRequests { get; set; } = true;

    public IReadOnlyList<FakeSendGridRequest> Requests => [.. _requests];

    /// <summary>Every shape violation seen, across requests.</summary>
    public IReadOnlyList<string> Violations => [.. _requests.SelectMany(r => r.Violations)];

    /// <summary>Most requests the server was handling at the same time.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>Starts the server; <paramref name="clock"/> stamps <see cref="FakeSendGridRequest.ReceivedAt"/>.</summary>
    public static async Task<FakeSendGridServer> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeSendGridServer(app, clock ?? TimeProvider.System);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseUrl = new Uri(address);
        return server;
    }

    /// <summary>Queues answers for the next requests, in order.</summary>
    public void Enqueue(params FakeSendGridResponse[] responses)
    {
        foreach (var response in responses) _script.Enqueue(response);
    }

    /// <summary>Benchmark mode: every request is answered 202 after <paramref name="delay"/>, nothing recorded.</summary>
    public void AlwaysAccept(TimeSpan delay)
    {
        _script.Clear();
        RecordRequests = false;
        DefaultResponse = FakeSendGridResponse.Accepted("bench", delay);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, inFlight);
        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var receivedAt = _clock.GetUtcNow();
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var authorization = context.Request.Headers.Authorization.ToString();
        JsonNode? json = null;
        var violations = new List<string>();

        if (context.Request.Method != HttpMethods.Post || context.Request.Path != "/v3/mail/send")
        {
            violations.Add($"unexpected request {context.Request.Method} {context.Request.Path}");
        }
        else
        {
            try
            {
                json = JsonNode.Parse(body);
                violations.AddRange(ValidateShape(json));
            }
            catch (JsonException ex)
            {
                violations.Add("body is not JSON: " + ex.Message);
            }

            if (!(context.Request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                violations.Add("Content-Type must be application/json");
        }

        if (RecordRequests || violations.Count > 0)
        {
            _requests.Enqueue(new FakeSendGridRequest(receivedAt, context.Request.Method, context.Request.Path, authorization, body, json, violations));
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal)
            || (ExpectedApiKey is not null && authorization != "Bearer " + ExpectedApiKey))
        {
            await WriteAsync(context, new FakeSendGridResponse(401, Body: FakeSendGridResponse.ErrorBody("The provided authorization grant is invalid, expired, or revoked", null)));
            return;
        }

        if (violations.Count > 0)
        {
            await WriteAsync(context, FakeSendGridResponse.BadRequest(violations[0]));
            return;
        }

        var response = _script.TryDequeue(out var scripted) ? scripted : DefaultResponse;
        if (response.Delay > TimeSpan.Zero) await Task.Delay(response.Delay, context.RequestAborted);
        if (response.DropConnection)
        {
            context.Abort();
            return;
        }

        await WriteAsync(context, response);
    }

    private static async Task WriteAsync(HttpContext context, FakeSendGridResponse response)
    {
        context.Response.StatusCode = response.StatusCode;
        if (response.MessageId is not null) context.Response.Headers["X-Message-Id"] = response.MessageId;
        if (response.RateLimitReset is { } reset)
        {
            context.Response.Headers["X-RateLimit-Limit"] = "600";
            context.Response.Headers["X-RateLimit-Remaining"] = "0";
            context.Response.Headers["X-RateLimit-Reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        if (response.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.Body);
        }
    }

    /// <summary>
    /// The documented request shape (docs: mail-send and its limitations page): required fields,
    /// 1..1000 personalizations, at most 1000 recipients, each address once, names without ',' or ';',
    /// content (text/plain first) or a template, a subject somewhere, custom_args of strings.
    /// Header values with CR/LF are flagged too: they must never leave our client.
    /// </summary>
    public static IReadOnlyList<string> ValidateShape(JsonNode? json)
    {
        var problems = new List<string>();
        if (json is not JsonObject root)
        {
            problems.Add("body must be a JSON object");
            return problems;
        }

        if (root["from"] is not JsonObject from || !IsString(from["email"]))
            problems.Add("from.email is required");
        else
            CheckAddress(from, "from", problems);

        if (root["reply_to"] is not null && root["reply_to_list"] is not null)
            problems.Add("reply_to and reply_to_list cannot both be set");
        if (root["reply_to"] is JsonObject replyTo) CheckAddress(replyTo, "reply_to", problems);

        var hasTemplate = IsString(root["template_id"]);
        var topSubject = IsString(root["subject"]);
        CheckHeaderValue(root["subject"], "subject", problems);

        if (root["personalizations"] is not JsonArray personalizations || personalizations.Count is < 1 or > 1000)
        {
            problems.Add("personalizations must be an array of 1 to 1000 items");
        }
        else
        {
            var recipients = 0;
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < personalizations.Count; i++)
            {
                if (personalizations[i] is not JsonObject p)
                {
                    problems.Add($"personalizations[{i}] must be an object");
                    continue;
                }

                if (p["to"] is not JsonArray to || to.Count == 0) problems.Add($"personalizations[{i}].to is required");
                foreach (var list in new[] { "to", "cc", "bcc" })
                {
                    if (p[list] is not JsonArray addresses) continue;
                    foreach (var address in addresses)
                    {
                        recipients++;
                        if (address is not JsonObject a || !IsString(a["email"]))
                        {
                            problems.Add($"personalizations[{i}].{list}[].email is required");
                            continue;
                        }

                        CheckAddress(a, $"personalizations[{i}].{list}", problems);
                        if (!seen.Add(a["email"]!.GetValue<string>()))
                            problems.Add("Each email address in the personalization block should be unique between to, cc, and bcc.");
                    }
                }

                if (!topSubject && !hasTemplate && !IsString(p["subject"])) problems.Add($"personalizations[{i}].subject or subject is required");
                CheckHeaderValue(p["subject"], $"personalizations[{i}].subject", problems);
                if (p["custom_args"] is JsonObject args && args.Any(kv => kv.Value is null || kv.Value.GetValueKind() != JsonValueKind.String))
                    problems.Add($"personalizations[{i}].custom_args values must be strings");
            }

            if (recipients > 1000) problems.Add($"at most 1000 recipients per request, got {recipients}");
        }

        if (root["content"] is JsonArray content && content.Count > 0)
        {
            foreach (var part in content)
            {
                if (part is not JsonObject c || !IsString(c["type"]) || !IsString(c["value"])) problems.Add("content[] needs type and value");
            }

            var types = content.OfType<JsonObject>().Select(c => c["type"]?.GetValue<string>()).ToList();
            if (types.Contains("text/plain") && types[0] != "text/plain") problems.Add("text/plain must be the first content type");
        }
        else if (!hasTemplate)
        {
            problems.Add("content or template_id is required");
        }

        if (root["categories"] is JsonArray categories && categories.Count > 10) problems.Add("at most 10 categories");
        return problems;
    }

    private static void CheckAddress(JsonObject address, string where, List<string> problems)
    {
        if (address["name"] is { } nameNode && nameNode.GetValueKind() == JsonValueKind.String)
        {
            var name = nameNode.GetValue<string>();
            if (name.Contains(',', StringComparison.Ordinal) || name.Contains(';', StringComparison.Ordinal))
                problems.Add($"{where}.name must not contain ',' or ';'");
            CheckHeaderValue(nameNode, where + ".name", problems);
        }
    }

    private static void CheckHeaderValue(JsonNode? node, string where, List<string> problems)
    {
        if (node is not null && node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().IndexOfAny(['\r', '\n', '\0']) >= 0)
            problems.Add($"{where} contains CR, LF or NUL");
    }

    private static bool IsString(JsonNode? node) =>
        node is not null && node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().Length > 0;

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
