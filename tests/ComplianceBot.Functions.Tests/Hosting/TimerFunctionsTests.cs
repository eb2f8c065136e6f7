using System.Net;
using System.Text;
using System.Text.Json;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Functions.Tests.Hosting;

/// <summary>The custom-handler contract: what the Functions host posts and what it must get back.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class TimerFunctionsTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    private const string Metadata = """{"sys":{"MethodName":"DailyReminders","UtcNow":"2026-03-02T14:05:00.0123456Z","RandGuid":"7f2e0a4c-3b1d-4f5e-9a8b-1c2d3e4f5a6b"}}""";

    public static TheoryData<string> HostPayloads => new()
    {
        // As the host serializes TimerInfo with JObject.FromObject.
        "{\"Data\":{\"myTimer\":{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":{\"Last\":\"2026-03-02T13:05:00.0019784+00:00\",\"Next\":\"2026-03-02T14:05:00+00:00\",\"LastUpdated\":\"2026-03-02T13:05:00.0019784+00:00\"},\"IsPastDue\":false}},\"Metadata\":" + Metadata + "}",
        // The timer as a JSON string.
        "{\"Data\":{\"myTimer\":\"{\\\"Schedule\\\":{\\\"AdjustForDST\\\":true},\\\"ScheduleStatus\\\":{\\\"Last\\\":\\\"2026-03-02T13:05:00Z\\\",\\\"Next\\\":\\\"2026-03-02T14:05:00Z\\\",\\\"LastUpdated\\\":\\\"2026-03-02T13:05:00Z\\\"},\\\"IsPastDue\\\":true}\"},\"Metadata\":" + Metadata + "}",
        // useMonitor off: no schedule status.
        "{\"Data\":{\"myTimer\":{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":null,\"IsPastDue\":false}},\"Metadata\":{}}",
        // Odd timestamp formats (azure-functions-host#7391).
        "{\"Data\":{\"myTimer\":{\"Schedule\":{},\"ScheduleStatus\":{\"Last\":\"03/02/2026 13:05:00\",\"Next\":\"2026-03-02 14:05:00Z\",\"LastUpdated\":\"0001-01-01T00:00:00\"},\"IsPastDue\":true}},\"Metadata\":{}}",
        "{\"Data\":{\"myTimer\":{\"ScheduleStatus\":{\"Last\":12345,\"Next\":\"not a date\"}}},\"Metadata\":{}}",
        // Lower-case keys, empty Data, a string that is not JSON, no body fields at all.
        "{\"data\":{\"myTimer\":{\"isPastDue\":true}},\"metadata\":{}}",
        "{\"Data\":{},\"Metadata\":{}}",
        "{\"Data\":{\"myTimer\":\"not json\"},\"Metadata\":{}}",
        "{\"Data\":{\"myTimer\":\"null\"},\"Metadata\":{}}",
        "{\"Data\":{\"myTimer\":\"[1]\"},\"Metadata\":{}}",
        "{\"Data\":{\"myTimer\":{\"IsPastDue\":\"true\",\"ScheduleStatus\":\"soon\"}},\"Metadata\":{}}",
        "{}",
        "",
        "not json at all",
    };

    [Theory]
    [MemberData(nameof(HostPayloads))]
    public async Task AnswersTheInvocationResponseWhenTheHostPostsDailyReminders(string payload) =>
        await AssertInvocationResponseAsync("/DailyReminders", payload);

    [Theory]
    [MemberData(nameof(HostPayloads))]
    public async Task AnswersTheInvocationResponseWhenTheHostPostsWeeklyDigest(string payload) =>
        await AssertInvocationResponseAsync("/WeeklyDigest", payload);

    private async Task AssertInvocationResponseAsync(string path, string payload)
    {
        using var host = _app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
        request.Headers.TryAddWithoutValidation("User-Agent", "Azure-Functions-Host/4.1040.300.0");

        var response = await host.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(text));
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Object, json.GetProperty("Outputs").ValueKind);
        Assert.Empty(json.GetProperty("Outputs").EnumerateObject());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ReturnValue").ValueKind);
        var logs = json.GetProperty("Logs").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.StartsWith(path.TrimStart('/') + ":", logs[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportsPastDueInTheLogWhenTheHostSaysSo()
    {
        using var host = _app.Anonymous();
        var response = await host.PostAsync("/DailyReminders", new StringContent("{\"Data\":{\"myTimer\":{\"IsPastDue\":true}},\"Metadata\":{}}", Encoding.UTF8, "application/json"));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("DailyReminders: 0 clinic(s) due, past due=True", json.GetProperty("Logs")[0].GetString());
    }

    [Fact]
    public async Task AnswersTheReadinessProbe()
    {
        using var host = _app.Anonymous();
        var response = await host.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"Data\":{\"myTimer\":{\"Schedule\":{},\"ScheduleStatus\":{\"Last\":\"2026-03-02T13:05:00.0019784+00:00\",\"Next\":\"2026-03-02T14:05:00+00:00\"},\"IsPastDue\":false}}}", false, "2026-03-02T13:05:00.0019784+00:00", "2026-03-02T14:05:00+00:00")]
    [InlineData("{\"Data\":{\"myTimer\":{\"ScheduleStatus\":{\"Last\":\"2026-03-02 13:05:00\",\"Next\":\"03/02/2026 14:05:00\"},\"IsPastDue\":true}}}", true, "2026-03-02T13:05:00+00:00", "2026-03-02T14:05:00+00:00")]
    [InlineData("{\"Data\":{\"myTimer\":\"{\\\"ScheduleStatus\\\":{\\\"Next\\\":\\\"2026-03-02T14:05:00Z\\\"},\\\"IsPastDue\\\":true}\"}}", true, null, "2026-03-02T14:05:00+00:00")]
    [InlineData("{\"Data\":{\"myTimer\":{\"ScheduleStatus\":null,\"IsPastDue\":false}}}", false, null, null)]
    [InlineData("{\"Data\":{\"myTimer\":{\"IsPastDue\":\"True\"}}}", true, null, null)]
    [InlineData("{\"Data\":{\"myTimer\":\"null\"}}", false, null, null)]
    [InlineData("{\"Data\":{\"myTimer\":\"[1]\"}}", false, null, null)]
    [InlineData("{\"Data\":{\"myTimer\":\"42\"}}", false, null, null)]
    public void ParsesTheTimerTolerantlyWhenFormatsVary(string payload, bool pastDue, string? last, string? next)
    {
        using var doc = JsonDocument.Parse(payload);
        var info = TimerTriggerInfo.Parse(doc.RootElement);
        Assert.Equal(pastDue, info.IsPastDue);
        Assert.Equal(last is null ? null : DateTimeOffset.Parse(last, System.Globalization.CultureInfo.InvariantCulture), info.Last);
        Assert.Equal(next is null ? null : DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), info.Next);
    }

    /// <summary>Fails while a registered function has no endpoint: the host would route to it and get 404.</summary>
    [Fact]
    public void ServesEveryRegisteredFunction() =>
        Assert.Empty(Registered().Except(Served()).Order(StringComparer.Ordinal));

    [Fact]
    public void RegistersEveryServedRoute() =>
        Assert.Empty(Served().Except(Registered()).Order(StringComparer.Ordinal));

    private HashSet<string> Served() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText != "/")
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> Registered() =>
        FunctionRegistry.All
            .SelectMany(f => f.IsTimer ? ["POST " + f.Path] : f.Methods!.Select(m => $"{m.ToUpperInvariant()} {f.Path}"))
            .ToHashSet(StringComparer.Ordinal);

    private static string Normalize(string pattern) => pattern.StartsWith('/') ? pattern : "/" + pattern;
}
