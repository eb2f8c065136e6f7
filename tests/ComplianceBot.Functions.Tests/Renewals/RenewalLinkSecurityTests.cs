using System.Net;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ComplianceBot.Functions.Tests.Renewals.RenewalSupport;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Renewals;

[Collection(AzuriteGroup.Name)]
public sealed class RenewalLinkSecurityTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("GET", "/api/clinics")]
    [InlineData("GET", "/api/staff/a1")]
    [InlineData("GET", "/api/staff/b1")]
    [InlineData("GET", "/api/clinics/clinic-a/compliance")]
    [InlineData("PUT", "/api/staff/a1/credentials/HIPAA")]
    [InlineData("POST", "/api/records/import")]
    [InlineData("GET", "/api/me")]
    public async Task ALinkOpensNoEndpointThatNeedsARole(string method, string path)
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");

        var response = await a1.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : new StringContent("{}", System.Text.Encoding.UTF8, "application/json") });

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ALinkForAPersonOfAnotherClinicOrAnotherPersonNeverShowsTheirData()
    {
        await SeedAsync(_app);
        using var b1 = _app.WithRenewalLink(TestData.ClinicB, "b1");
        using var wrongClinic = _app.WithRenewalLink(TestData.ClinicB, "a1");

        var own = await JsonAsync(await b1.GetAsync("/api/renewal"));
        var mismatched = await wrongClinic.GetAsync("/api/renewal");

        Assert.Equal("Clinic B", own.GetProperty("clinicName").GetString());
        Assert.DoesNotContain("Clinic A", own.GetRawText(), StringComparison.Ordinal);
        await AssertProblemAsync(mismatched, HttpStatusCode.Gone);
        Assert.Empty(await SubmissionsAsync(_app, TestData.ClinicB));
    }

    [Fact]
    public async Task AnApiKeyOrNoLinkDoesNotOpenTheRenewalPage()
    {
        await SeedAsync(_app);
        using var hr = _app.Hr();
        using var anonymous = _app.Anonymous();

        await AssertProblemAsync(await hr.GetAsync("/api/renewal"), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await anonymous.PostAsync("/api/renewal", Form(Pdf)), HttpStatusCode.Unauthorized);
        Assert.Empty(await SubmissionsAsync(_app));
    }

    [Fact]
    public async Task AnExpiredLinkSaysSoAndATamperedOneSaysItDoesNotWorkNamingNobody()
    {
        await SeedAsync(_app);
        var token = _app.Services.GetRequiredService<ComplianceBot.Application.Renewals.RenewalTokens>().Issue(TestData.ClinicA, "a1");
        var tampered = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");
        using var tamperedClient = _app.WithRenewalToken(tampered);

        var refused = await AssertProblemAsync(await tamperedClient.GetAsync("/api/renewal"), HttpStatusCode.Unauthorized);
        _app.Clock.Advance(TimeSpan.FromDays(14));
        using var expiredClient = _app.WithRenewalToken(token);
        var expired = await AssertProblemAsync(await expiredClient.GetAsync("/api/renewal"), HttpStatusCode.Unauthorized);

        Assert.Equal("This link does not work", refused.GetProperty("title").GetString());
        Assert.Equal("This link has expired", expired.GetProperty("title").GetString());
        Assert.Contains("ask your office manager for a new link", expired.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Words only (the raw body also carries a random trace id, in which "a1" can occur by chance).
        foreach (var words in new[] { refused, expired }.SelectMany(p => new[] { p.GetProperty("title").GetString(), p.GetProperty("detail").GetString() }))
        {
            Assert.DoesNotContain("a1", words, StringComparison.Ordinal);
            Assert.DoesNotContain("clinic-a", words, StringComparison.Ordinal);
        }

        Assert.False(refused.TryGetProperty("errors", out _) || expired.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task ALinkOfSomeoneDeactivatedNoLongerWorks()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        using var hr = _app.Hr();
        (await hr.DeleteAsync("/api/staff/a1")).EnsureSuccessStatusCode();

        var problem = await AssertProblemAsync(await a1.GetAsync("/api/renewal"), HttpStatusCode.Gone);

        Assert.Contains("Ask your office manager for a new link", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertProblemAsync(await a1.PostAsync("/api/renewal", Form(Pdf)), HttpStatusCode.Gone);
        Assert.Empty(await SubmissionsAsync(_app));
    }

    [Fact]
    public async Task ThirtyWrongLinksAMinuteFromOneAddressAreSlowedDownWhileOtherAddressesAreNot()
    {
        await SeedAsync(_app);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            using var guess = _app.WithRenewalToken($"v1.guess{i}.AAAA");
            guess.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
            statuses.Add((await guess.GetAsync("/api/renewal")).StatusCode);
        }

        using var sameAddressValid = _app.WithRenewalLink(TestData.ClinicA, "a1");
        sameAddressValid.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        var blocked = await sameAddressValid.GetAsync("/api/renewal");
        using var otherAddress = _app.WithRenewalToken("v1.guess.AAAA");
        otherAddress.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.9");

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 10).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 20)), statuses);
        await AssertProblemAsync(blocked, HttpStatusCode.TooManyRequests);
        Assert.NotNull(blocked.Headers.RetryAfter);
        await AssertProblemAsync(await otherAddress.GetAsync("/api/renewal"), HttpStatusCode.Unauthorized);

        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await sameAddressValid.GetAsync("/api/renewal")).StatusCode);
    }

    [Fact]
    public async Task ThePageSendsAPolicyThatAllowsOnlyItsOwnFilesAndNoReferrer()
    {
        using var anonymous = _app.Anonymous();

        var page = await anonymous.GetAsync("/api/renew/");
        var script = await anonymous.GetAsync("/api/renew/renew.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", string.Join(",", page.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", string.Join(",", page.Headers.GetValues("X-Content-Type-Options")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        foreach (var reference in System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"#]+)\"").Select(m => m.Groups[1].Value))
        {
            Assert.StartsWith("/api/", reference, StringComparison.Ordinal);
        }

        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }
}
