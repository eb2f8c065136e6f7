using System.Net;
using System.Security.Cryptography;
using System.Text;
using ComplianceBot.Email.Webhook;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Endpoints;

[Collection(AzuriteGroup.Name)]
public sealed class CatalogApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task ListsTheCredentialTypesWithTheirRules()
    {
        using var managerA = _app.ManagerA();
        var catalog = await JsonAsync(await managerA.GetAsync("/api/catalog"));
        var bls = catalog.EnumerateArray().Single(t => t.GetProperty("code").GetString() == "BLS");
        Assert.False(string.IsNullOrWhiteSpace(bls.GetProperty("rule").GetString()));
        Assert.Contains("CPR", bls.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task SaysWhoTheCallerIsAndWhichClinicsTheyRead()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        using var managerB = _app.ManagerB();

        var me = await JsonAsync(await managerB.GetAsync("/api/me"));

        Assert.Equal("apikey:manager-b", me.GetProperty("name").GetString());
        Assert.Equal(["Manager"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["clinic-b"], me.GetProperty("clinics").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        // The limits the web page checks a file against before sending it (the defaults: 10 MB each).
        Assert.Equal(10L * 1024 * 1024, me.GetProperty("limits").GetProperty("maxImportBytes").GetInt64());
        Assert.Equal(10L * 1024 * 1024, me.GetProperty("limits").GetProperty("maxCertificateBytes").GetInt64());
    }

    [Fact]
    public async Task ServesTheOpenApiDocument()
    {
        using var hr = _app.Hr();
        var doc = await JsonAsync(await hr.GetAsync("/api/openapi.json"));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/clinics/{clinicId}", out _));
        var description = doc.GetProperty("info").GetProperty("description").GetString();
        Assert.Contains("camelCase", description, StringComparison.Ordinal);
        Assert.Contains("also accept the snake_case", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServesTheOpenApiDocumentWithoutSignInAsItHoldsNoData()
    {
        using var anonymous = _app.Anonymous();

        var doc = await JsonAsync(await anonymous.GetAsync("/api/openapi.json"));

        var operation = doc.GetProperty("paths").GetProperty("/api/openapi.json").GetProperty("get");
        Assert.Equal("Anonymous", operation.GetProperty("x-access").GetString());
        Assert.Equal(0, operation.GetProperty("security").GetArrayLength());
        // The rest of the API still needs a sign-in or a key.
        await AssertProblemAsync(await anonymous.GetAsync("/api/catalog"), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/api/clinics/{clinicId}", "get", new[] { "200", "404" })]
    [InlineData("/api/clinics/{clinicId}", "put", new[] { "200", "201", "400", "412", "415" })]
    [InlineData("/api/staff/{employeeId}", "get", new[] { "200", "400", "404" })]
    [InlineData("/api/staff/{employeeId}", "put", new[] { "200", "201", "400", "412", "415" })]
    [InlineData("/api/staff/{employeeId}", "delete", new[] { "204", "404" })]
    [InlineData("/api/staff/{employeeId}/credentials/{code}", "put", new[] { "200", "201", "400", "404", "409", "415" })]
    public async Task ListsEveryStatusAnOperationAnswersInTheOpenApiDocument(string path, string method, string[] statuses)
    {
        using var hr = _app.Hr();
        var doc = await JsonAsync(await hr.GetAsync("/api/openapi.json"));

        var responses = doc.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");

        Assert.Equal(statuses, responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ServiceUnavailableProblemWhenNoWebhookKeyIsConfigured()
    {
        using var anonymous = _app.Anonymous();
        var response = await anonymous.PostAsync("/api/sendgrid/events", new StringContent("[]", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
    }
}

[Collection(AzuriteGroup.Name)]
public sealed class SendGridEventsApiTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ComplianceBotApp _app;

    public SendGridEventsApiTests(AzuriteFixture azurite)
    {
        _app = new ComplianceBotApp(azurite, new Dictionary<string, string?>
        {
            ["SendGrid:WebhookPublicKey"] = Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo()),
        });
    }

    public void Dispose()
    {
        _app.Dispose();
        _key.Dispose();
    }

    private const string Body = """[{"email":"a1@example.org","event":"bounce","sg_event_id":"ev-1","sg_message_id":"m1","timestamp":1772460000,"reason":"550 no such user","type":"bounce"}]""";

    [Fact]
    public async Task RecordsEventsOnceWhenTheSignatureVerifies()
    {
        using var anonymous = _app.Anonymous();

        var first = await JsonAsync(await anonymous.SendAsync(Signed(Body, _app.Clock.GetUtcNow())));
        var again = await JsonAsync(await anonymous.SendAsync(Signed(Body, _app.Clock.GetUtcNow())));

        Assert.Equal(1, first.GetProperty("recorded").GetInt32());
        Assert.Equal(1, again.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task ProblemsWhenTheSignatureIsMissingBadOrStale()
    {
        using var anonymous = _app.Anonymous();

        await AssertProblemAsync(await anonymous.PostAsync("/api/sendgrid/events", new StringContent(Body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        var tampered = Signed(Body, _app.Clock.GetUtcNow());
        tampered.Content = new StringContent(Body.Replace("bounce", "dropped", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        var bad = await AssertProblemAsync(await anonymous.SendAsync(tampered), HttpStatusCode.Forbidden);
        Assert.Equal("Bad signature", bad.GetProperty("title").GetString());
        // The sender is SendGrid, not a person with a role: the detail names the webhook key to check.
        Assert.DoesNotContain("HR role", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("SendGrid__WebhookPublicKey", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var stale = await AssertProblemAsync(await anonymous.SendAsync(Signed(Body, _app.Clock.GetUtcNow().AddHours(-1))), HttpStatusCode.Forbidden);
        Assert.Equal("Stale signature", stale.GetProperty("title").GetString());
    }

    [Fact]
    public async Task PayloadTooLargeWhenTheBatchPassesAMegabyte()
    {
        using var anonymous = _app.Anonymous();
        var big = "[" + string.Join(',', Enumerable.Repeat(Body[1..^1], 8000)) + "]";
        await AssertProblemAsync(await anonymous.SendAsync(Signed(big, _app.Clock.GetUtcNow())), HttpStatusCode.RequestEntityTooLarge);
    }

    private HttpRequestMessage Signed(string body, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = _key.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/sendgrid/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SendGridEventWebhook.SignatureHeader, Convert.ToBase64String(signature));
        request.Headers.Add(SendGridEventWebhook.TimestampHeader, timestamp);
        return request;
    }
}
