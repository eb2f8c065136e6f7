using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceBot.Functions.Endpoints;

namespace ComplianceBot.Functions.Tests.Browser;

/// <summary>How <c>GET /api/app/{*path}</c> serves the page's files, over the real port.</summary>
[Collection(BrowserGroup.Name)]
public sealed class WebAppFilesTests(BrowserAppFixture app)
{
    [Theory]
    [InlineData("/api/app")]
    [InlineData("/api/app/")]
    [InlineData("/api/app/index.html")]
    public async Task ServesIndexWithSecurityHeadersWhenSignedOut(string path)
    {
        using var client = app.KeyClient(null);
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>Staff compliance</h1>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Contains("default-src 'self'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
    }

    [Theory]
    [InlineData("/api/app/app.js", "text/javascript")]
    [InlineData("/api/app/app.css", "text/css")]
    public async Task ServesAssetWithItsContentTypeWhenListed(string path, string mediaType)
    {
        using var client = app.KeyClient(null);
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
    }

    [Fact]
    public async Task AnswersNotModifiedWhenETagMatches()
    {
        using var client = app.KeyClient(null);
        using var first = await client.GetAsync("/api/app/app.js");
        var etag = first.Headers.ETag ?? throw new InvalidOperationException("no ETag");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/app/app.js");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Theory]
    [InlineData("/api/app/missing.js")]
    [InlineData("/api/app/APP.JS")]
    [InlineData("/api/app/%2e%2e%2fappsettings.json")]
    [InlineData("/api/app/..%2F..%2FComplianceBot.Functions.dll")]
    [InlineData("/api/app/wwwroot/app/index.html")]
    public async Task AnswersNotFoundProblemWhenFileIsNotShipped(string path)
    {
        using var client = app.KeyClient(null);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public void EmbedsEveryListedFileWhenBuilt()
    {
        var files = WebAppFunctions.Load(typeof(WebAppFunctions).Assembly);

        Assert.Equal(WebAppFunctions.Files.Keys.Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));
        // No framework and no build step: the HR and manager page, with its verification queue, in a few small files.
        Assert.True(files.Values.Sum(f => f.Content.Length) < 56 * 1024, "The page should stay under 56 KB.");
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;
}
