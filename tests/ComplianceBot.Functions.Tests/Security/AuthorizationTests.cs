using System.Net;
using System.Net.Http.Json;
using System.Text;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.Extensions.Options;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Security;

/// <summary>Role checks across two clinics, driven by the function declarations so a new route cannot be forgotten.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class AuthorizationTests(AzuriteFixture azurite) : IDisposable
{
    private readonly AzuriteFixture _azurite = azurite;
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    public static TheoryData<string> ProtectedFunctions() =>
        new(FunctionDeclarations.Http.Where(f => f.Access != Access.Anonymous).Select(f => f.Name));

    public static TheoryData<string> ClinicReaderFunctions() =>
        new(FunctionDeclarations.Http.Where(f => f.Access == Access.ClinicReader).Select(f => f.Name));

    public static TheoryData<string> HrOnlyFunctions() =>
        new(FunctionDeclarations.Http.Where(f => f.Access == Access.Hr).Select(f => f.Name));

    /// <summary>A request for a function, its route values filled with clinic-b's data.</summary>
    private static HttpRequestMessage RequestFor(HttpFunction function, string submissionId = "9999999999999999999-0123456789ab")
    {
        var path = function.Path
            .Replace("{clinicId}", TestData.ClinicB, StringComparison.Ordinal)
            .Replace("{employeeId}", "b1", StringComparison.Ordinal)
            .Replace("{code}", "HIPAA", StringComparison.Ordinal)
            .Replace("{submissionId}", submissionId, StringComparison.Ordinal)
            .Replace("{*path}", "index.html", StringComparison.Ordinal);
        Assert.DoesNotContain("{", path, StringComparison.Ordinal);
        var method = new HttpMethod(function.Methods[0]);
        var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post || method == HttpMethod.Put)
        {
            request.Content = function.Name switch
            {
                "ImportStaff" or "ImportRecords" => new StringContent("employee_id\r\nb1\r\n", Encoding.UTF8, "text/csv"),
                "PutCredential" => new StringContent("""{"issued_on":"2026-02-01"}""", Encoding.UTF8, "application/json"),
                "RejectSubmission" => new StringContent("""{"reason":"The photo is blurred."}""", Encoding.UTF8, "application/json"),
                "PutStaff" => new StringContent("""{"first_name":"Bo","last_name":"B","email":"b1@example.org","clinic_id":"clinic-b","role":"other"}""", Encoding.UTF8, "application/json"),
                _ => new StringContent("""{"name":"B","timeZone":"America/New_York","state":"NY","managerEmails":[],"sendHour":9}""", Encoding.UTF8, "application/json"),
            };
        }

        return request;
    }

    [Fact]
    public void EveryProtectedFunctionIsCoveredByTheRoleTests()
    {
        Assert.NotEmpty(ProtectedFunctions());
        Assert.All(FunctionDeclarations.Http.Where(f => f.Access == Access.ClinicReader), f => Assert.Contains("{", f.Route, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ProtectedFunctions))]
    public async Task UnauthorizedProblemWhenNoKeyIsSent(string name)
    {
        using var anonymous = _app.Anonymous();
        using var request = RequestFor(FunctionDeclarations.GetHttp(name));
        await AssertProblemAsync(await anonymous.SendAsync(request), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(ProtectedFunctions))]
    public async Task UnauthorizedProblemWhenTheKeyIsWrong(string name)
    {
        using var stranger = _app.WithKey("not-a-configured-key-00000000000000000000");
        using var request = RequestFor(FunctionDeclarations.GetHttp(name));
        await AssertProblemAsync(await stranger.SendAsync(request), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(ClinicReaderFunctions))]
    public async Task NotFoundAndNoDataWhenAManagerOfClinicAAsksAboutClinicB(string name)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
        using var managerA = _app.ManagerA();
        var submissionId = await SubmitB1HipaaAsync();
        if (name == "GetCredentialFile")
        {
            // b1's HIPAA record needs a file to read: the one b1 sent, approved.
            (await hr.PostAsync($"/api/clinics/clinic-b/submissions/{submissionId}/approve", null)).EnsureSuccessStatusCode();
        }

        using var request = RequestFor(FunctionDeclarations.GetHttp(name), submissionId);

        var response = await managerA.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound);
        var text = problem.GetRawText();
        Assert.DoesNotContain("b1@example.org", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bob", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestData.ManagerBEmail, text, StringComparison.Ordinal);

        // And the same request from clinic-b's manager succeeds: the 404 is about the caller, not the data.
        using var managerB = _app.ManagerB();
        using var again = RequestFor(FunctionDeclarations.GetHttp(name), submissionId);
        Assert.True((await managerB.SendAsync(again)).IsSuccessStatusCode);
    }

    /// <summary>b1 (clinic-b) sends their missing HIPAA training through their renewal link: a submission of clinic-b to ask about.</summary>
    private async Task<string> SubmitB1HipaaAsync()
    {
        using var b1 = _app.WithRenewalLink(TestData.ClinicB, "b1");
        using var form = new MultipartFormDataContent { { new StringContent("HIPAA"), "code" }, { new StringContent("2026-02-20"), "issuedOn" }, { new ByteArrayContent("%PDF-1.7\n%%EOF\n"u8.ToArray()), "file", "card.pdf" } };
        var sent = await b1.PostAsync("/api/renewal", form);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task NothingOfClinicBWhenAManagerOfClinicAListsOrAsksWhoTheyAre()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        using var managerA = _app.ManagerA();

        var clinics = await (await managerA.GetAsync("/api/clinics")).Content.ReadAsStringAsync();
        var me = await (await managerA.GetAsync("/api/me")).Content.ReadAsStringAsync();

        Assert.DoesNotContain(TestData.ClinicB, clinics, StringComparison.Ordinal);
        Assert.DoesNotContain(TestData.ClinicB, me, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HrOnlyFunctions))]
    public async Task ForbiddenProblemWhenAManagerCallsAnHrFunction(string name)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
        using var managerB = _app.ManagerB();
        using var request = RequestFor(FunctionDeclarations.GetHttp(name));

        await AssertProblemAsync(await managerB.SendAsync(request), HttpStatusCode.Forbidden);
        Assert.True((await hr.GetAsync("/api/staff/b1")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task UnauthorizedWhenAPrincipalHeaderIsForgedWithoutPlatformAuthentication()
    {
        using var forged = _app.WithPrincipal(TestData.Principal(("roles", "HR"), ("preferred_username", "eve@example.org")));
        await AssertProblemAsync(await forged.GetAsync("/api/clinics"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UnauthorizedWhenAPrincipalHeaderIsForgedAndWebsiteAuthEnabledIsOnlyASetting()
    {
        // An appsettings value or a command-line argument is not the platform saying authentication is on.
        using var app = new ComplianceBotApp(_azurite, new Dictionary<string, string?> { ["WEBSITE_AUTH_ENABLED"] = "True" });
        using var forged = app.WithPrincipal(TestData.Principal(("roles", "HR"), ("preferred_username", "eve@example.org")));

        await AssertProblemAsync(await forged.GetAsync("/api/clinics"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PlatformPrincipalsAreTrustedWhenAppServiceAuthenticationIsOn()
    {
        using var app = new ComplianceBotApp(_azurite, platformAuthentication: true);
        using (var hrPerson = app.WithPrincipal(TestData.Principal(("roles", "HR"), ("preferred_username", "hr@example.org"))))
        {
            await TestData.PutClinicsAsync(hrPerson);
            var all = await JsonAsync(await hrPerson.GetAsync("/api/clinics"));
            Assert.Equal(2, all.GetArrayLength());
        }

        using var manager = app.WithPrincipal(TestData.Principal(("roles", "Manager"), ("preferred_username", "MGR-A@example.org"), ("name", "Mia Manager")));
        var clinicA = await JsonAsync(await manager.GetAsync("/api/clinics/clinic-a"));
        Assert.Equal("clinic-a", clinicA.GetProperty("id").GetString());
        await AssertProblemAsync(await manager.GetAsync("/api/clinics/clinic-b"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await manager.PutAsync("/api/clinics/clinic-a", new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.Forbidden);

        using var noRole = app.WithPrincipal(TestData.Principal(("preferred_username", "someone@example.org")));
        await AssertProblemAsync(await noRole.GetAsync("/api/clinics"), HttpStatusCode.Forbidden);

        using var garbage = app.WithPrincipal("not base64 json");
        await AssertProblemAsync(await garbage.GetAsync("/api/clinics"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task MatchesASignedInManagerOnTheEntraObjectIdWhenTheClinicListsIdsAndNeverOnTheAddressThen()
    {
        const string MiaId = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
        using var app = new ComplianceBotApp(_azurite, platformAuthentication: true);
        using (var hr = app.Hr())
        {
            await TestData.PutClinicsAsync(hr);
            var clinic = new { name = "Clinic A", timeZone = "America/Chicago", state = "IL", managerEmails = new[] { TestData.ManagerAEmail }, sendHour = 8, managerObjectIds = new[] { MiaId.ToUpperInvariant() } };
            var saved = await JsonAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-a", clinic));
            Assert.Equal([MiaId], saved.GetProperty("managerObjectIds").EnumerateArray().Select(i => i.GetString()));
        }

        // Mia, by her object id, whatever her sign-in name is today (renamed after a marriage, say).
        using var mia = app.WithPrincipal(TestData.Principal(("roles", "Manager"), ("preferred_username", "mia.new-name@example.org"), ("http://schemas.microsoft.com/identity/claims/objectidentifier", MiaId)));
        Assert.Equal("clinic-a", (await JsonAsync(await mia.GetAsync("/api/clinics/clinic-a"))).GetProperty("id").GetString());

        // Someone who now holds the listed address, as another account, reads nothing of clinic-a.
        using var newHolder = app.WithPrincipal(TestData.Principal(("roles", "Manager"), ("preferred_username", TestData.ManagerAEmail), ("oid", "11111111-2222-3333-4444-555555555555")));
        await AssertProblemAsync(await newHolder.GetAsync("/api/clinics/clinic-a"), HttpStatusCode.NotFound);
        using var noId = app.WithPrincipal(TestData.Principal(("roles", "Manager"), ("preferred_username", TestData.ManagerAEmail)));
        await AssertProblemAsync(await noId.GetAsync("/api/clinics/clinic-a/compliance"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await JsonAsync(await noId.GetAsync("/api/clinics"))).GetArrayLength());

        // A clinic that lists no ids is still matched on the address (clinic-b).
        using var managerB = app.WithPrincipal(TestData.Principal(("roles", "Manager"), ("preferred_username", TestData.ManagerBEmail), ("oid", "99999999-8888-7777-6666-555555555555")));
        Assert.Equal(["clinic-b"], (await JsonAsync(await managerB.GetAsync("/api/clinics"))).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task FailsToStartNamingTheSettingWhenPlatformAuthIsRequiredButOff()
    {
        var validation = await ComplianceBotApp.StartupFailureAsync<OptionsValidationException>(_azurite, new Dictionary<string, string?> { ["Auth:RequirePlatformAuth"] = "true" });

        Assert.Contains("Auth:RequirePlatformAuth", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailsToStartWhenAnApiKeyIsShort()
    {
        var validation = await ComplianceBotApp.StartupFailureAsync<OptionsValidationException>(_azurite, new Dictionary<string, string?> { ["Auth:ApiKeys:0:Key"] = "short" });

        Assert.Contains("Auth:ApiKeys", validation.Message, StringComparison.Ordinal);
    }
}
