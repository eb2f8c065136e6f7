using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ComplianceBot.Testing;

namespace ComplianceBot.Email.Tests;

public sealed class FakeSendGridServerTests
{
    [Fact]
    public async Task AcceptedAfterTheDelayAndNothingKeptWhenInBenchmarkMode()
    {
        await using var server = await FakeSendGridServer.StartAsync();
        server.AlwaysAccept(TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "SG.key");

        var watch = Stopwatch.StartNew();
        using var content = new StringContent(ValidPayload(), System.Text.Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync(new Uri(server.BaseUrl, "/v3/mail/send"), content);

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(45));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void ViolationsReportedWhenLimitsAreExceeded()
    {
        var payload = JsonNode.Parse(ValidPayload())!;
        var to = new JsonArray();
        for (var i = 0; i < 1001; i++) to.Add(new JsonObject { ["email"] = $"u{i}@clinic.test" });
        payload["personalizations"]![0]!["to"] = to;
        payload["personalizations"]![0]!["to"]![0]!["name"] = "Lopez, Maria";
        payload["content"] = new JsonArray(new JsonObject { ["type"] = "text/html", ["value"] = "x" }, new JsonObject { ["type"] = "text/plain", ["value"] = "x" });

        var violations = FakeSendGridServer.ValidateShape(payload);

        Assert.Contains(violations, v => v.Contains("1000 recipients", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("','", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("text/plain must be the first", StringComparison.Ordinal));
        Assert.Empty(FakeSendGridServer.ValidateShape(JsonNode.Parse(ValidPayload())));
    }

    [Fact]
    public async Task ShapeViolationIsAnswered400AndRecordedWhenThePayloadIsWrong()
    {
        await using var server = await FakeSendGridServer.StartAsync();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "SG.key");
        var payload = new JsonObject { ["personalizations"] = new JsonArray() }.ToJsonString();

        using var content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync(new Uri(server.BaseUrl, "/v3/mail/send"), content);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains(server.Violations, v => v.Contains("personalizations", StringComparison.Ordinal));
        Assert.Contains(server.Violations, v => v.Contains("from.email", StringComparison.Ordinal));
    }

    private static string ValidPayload() =>
        """
        {"personalizations":[{"to":[{"email":"maria@clinic.test"}]}],"from":{"email":"bot@clinic.test"},"subject":"Hi",
         "content":[{"type":"text/plain","value":"Hi"},{"type":"text/html","value":"<p>Hi</p>"}]}
        """;
}
