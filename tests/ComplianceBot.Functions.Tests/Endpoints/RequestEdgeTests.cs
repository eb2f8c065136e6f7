using System.Net;
using System.Net.Http.Json;
using System.Text;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Endpoints;

/// <summary>What the API says about requests it cannot take: every 4xx names what was wrong, and nothing is written.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class RequestEdgeTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly string LongId = new('a', 1100);
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    private static async Task<string> DetailAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await AssertProblemAsync(response, status);
        Assert.True(problem.TryGetProperty("detail", out var value), problem.ToString());
        var detail = value.GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        return detail!;
    }

    [Theory]
    [InlineData("?dryRun")]
    [InlineData("?dryRun=")]
    public async Task ImportsNothingWhenDryRunIsGivenWithoutAValue(string query)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var detail = await DetailAsync(await hr.PostAsync("/api/staff/import" + query, TestData.Csv(TestData.RosterCsv)), HttpStatusCode.BadRequest);

        Assert.StartsWith("dryRun: has no value", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Fact]
    public async Task SaysWhatDryRunTakesWhenItIsNotABoolean()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var detail = await DetailAsync(await hr.PostAsync("/api/staff/import?dryRun=yes", TestData.Csv(TestData.RosterCsv)), HttpStatusCode.BadRequest);

        Assert.Equal("'yes' is not a valid dryRun: give true or false.", detail);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Theory]
    [InlineData("?dryRun=")]
    [InlineData("?dryRun=1")]
    [InlineData("?dryRun=yes")]
    [InlineData("?dry_run=")]
    public async Task GivesTheSameTitleForEveryDryRunThatIsNotTrueOrFalse(string query)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var problem = await AssertProblemAsync(await hr.PostAsync("/api/staff/import" + query, TestData.Csv(TestData.RosterCsv)), HttpStatusCode.BadRequest, query.Contains("dry_run", StringComparison.Ordinal) ? "dry_run" : "dryRun");

        Assert.Equal(query.Contains("dry_run", StringComparison.Ordinal) ? "Invalid dry_run" : "Invalid dryRun", problem.GetProperty("title").GetString());
        Assert.Contains("give true or false", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Theory]
    [InlineData("/api/clinics/clinic-c")]
    [InlineData("/api/staff/p1")]
    [InlineData("/api/staff/b1/credentials/HIPAA")]
    public async Task SaysToSendJsonWhenABodyIsPutAsAForm(string path)
    {
        using var hr = _app.Hr();
        await TestData.ImportAsync(await WithClinicsAsync(hr));

        var detail = await DetailAsync(await hr.PutAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "C", ["issued_on"] = "2026-01-01" })), HttpStatusCode.UnsupportedMediaType);

        Assert.Equal("Send the body as application/json (this request has 'application/x-www-form-urlencoded').", detail);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/clinics/clinic-c")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/p1")).StatusCode);
    }

    [Fact]
    public async Task PointsToTheCatalogWhenARenewalNamesACodeThatIsNotInIt()
    {
        using var hr = _app.Hr();
        await TestData.ImportAsync(await WithClinicsAsync(hr));

        var problem = await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/NOPE", new { issued_on = "2026-01-01" }), HttpStatusCode.NotFound);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Equal("Credential type not found", problem.GetProperty("title").GetString());
        Assert.Contains("'NOPE' is not in the credential catalog", detail, StringComparison.Ordinal);
        Assert.Contains("GET /api/catalog", detail, StringComparison.Ordinal);
        Assert.Contains("compliancebot catalog", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("that you may see", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/staff/a1?asOf=bogus", "asOf: 'bogus' is not a date (YYYY-MM-DD)")]
    [InlineData("/api/staff/a1?asOf=12/01/2026", "asOf: '12/01/2026' is not a date (YYYY-MM-DD)")]
    [InlineData("/api/clinics/clinic-a/preview?asOf=0001-01-01", "asOf: '0001-01-01' is outside 1900-01-01 to 2199-12-31")]
    [InlineData("/api/clinics/clinic-a/preview?asOf=9999-12-31", "asOf: '9999-12-31' is outside 1900-01-01 to 2199-12-31")]
    [InlineData("/api/clinics/clinic-a/compliance?asOf=2200-01-01", "asOf: '2200-01-01' is outside 1900-01-01 to 2199-12-31")]
    public async Task RefusesAnAsOfThatIsNotAPlannableDate(string path, string expected)
    {
        using var hr = _app.Hr();
        await TestData.ImportAsync(await WithClinicsAsync(hr));

        Assert.Equal(expected, await DetailAsync(await hr.GetAsync(path), HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task AnswersNotFoundRatherThanAServerErrorForIdsNoOneCanHave()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        await DetailAsync(await hr.GetAsync($"/api/staff/{LongId}"), HttpStatusCode.NotFound);
        await DetailAsync(await hr.DeleteAsync($"/api/staff/{LongId}"), HttpStatusCode.NotFound);
        await DetailAsync(await hr.GetAsync($"/api/clinics/{LongId}"), HttpStatusCode.NotFound);
        await DetailAsync(await hr.GetAsync($"/api/clinics/{LongId}/compliance"), HttpStatusCode.NotFound);
        await DetailAsync(await hr.GetAsync($"/api/clinics/{LongId}/preview"), HttpStatusCode.NotFound);
        var write = await DetailAsync(await hr.PutAsJsonAsync($"/api/staff/{LongId}/credentials/BLS", new { issued_on = "2026-01-10" }), HttpStatusCode.BadRequest);
        Assert.StartsWith("employeeId: ", write, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamesTheProblemWhenABodyIsNotJsonOrHasAFieldTheOperationDoesNotTake()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var broken = await DetailAsync(await hr.PutAsync("/api/staff/a1", new StringContent("{\"first_name\": ", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        var empty = await DetailAsync(await hr.PutAsync("/api/staff/a1/credentials/BLS", new StringContent(string.Empty, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        var extra = await DetailAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-c", new { name = "C", timeZone = "America/Chicago", state = "IL", managerEmails = Array.Empty<string>(), sendHour = 8, foo = 1 }), HttpStatusCode.BadRequest);
        var wrongKind = await DetailAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-c", new { name = "C", timeZone = "America/Chicago", state = "IL", managerEmails = Array.Empty<string>(), sendHour = "eight" }), HttpStatusCode.BadRequest);

        Assert.StartsWith("The body is not valid JSON", broken, StringComparison.Ordinal);
        Assert.Contains("JSON", empty, StringComparison.Ordinal);
        Assert.Equal("The body has the field 'foo', which this operation does not take.", extra);
        Assert.StartsWith("The field 'sendHour' has a value of the wrong kind", wrongKind, StringComparison.Ordinal);
        foreach (var detail in new[] { broken, empty, extra, wrongKind }) Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sendHour")]
    [InlineData("managerEmails")]
    public async Task RefusesAClinicReplaceThatLeavesOutARequiredField(string missing)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var body = new Dictionary<string, object> { ["name"] = "Clinic A", ["timeZone"] = "America/Chicago", ["state"] = "IL", ["managerEmails"] = new[] { TestData.ManagerAEmail }, ["sendHour"] = 8 };
        body.Remove(missing);

        var detail = await DetailAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-a", body), HttpStatusCode.BadRequest);

        Assert.StartsWith($"{missing}: is required", detail, StringComparison.Ordinal);
        var stored = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a"));
        Assert.Equal(8, stored.GetProperty("sendHour").GetInt32());
        Assert.Equal(TestData.ManagerAEmail, stored.GetProperty("managerEmails")[0].GetString());
    }

    [Fact]
    public async Task SaysWhyWhenUnauthenticatedForbiddenOrTheMethodIsWrong()
    {
        using var anonymous = _app.Anonymous();
        using var manager = _app.ManagerA();
        using var hr = _app.Hr();

        Assert.Contains("X-Api-Key", await DetailAsync(await anonymous.GetAsync("/api/clinics"), HttpStatusCode.Unauthorized), StringComparison.Ordinal);
        Assert.Contains("HR role", await DetailAsync(await manager.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv)), HttpStatusCode.Forbidden), StringComparison.Ordinal);
        Assert.Contains("PATCH", await DetailAsync(await hr.PatchAsync("/api/clinics", new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.MethodNotAllowed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountsAMoveAsUpdatedInADryRunAsTheImportItselfDoes()
    {
        using var hr = _app.Hr();
        await TestData.ImportAsync(await WithClinicsAsync(hr));
        var moved = "employee_id,first_name,last_name,email,clinic_id,role\r\nb1,Bob,Brown,b1@example.org,clinic-a,front_desk\r\n";

        var dry = await JsonAsync(await hr.PostAsync("/api/staff/import?dryRun=true", TestData.Csv(moved)));
        var real = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(moved)));

        Assert.Equal((0, 1), (dry.GetProperty("created").GetInt32(), dry.GetProperty("updated").GetInt32()));
        Assert.Equal((0, 1), (real.GetProperty("created").GetInt32(), real.GetProperty("updated").GetInt32()));
    }

    [Fact]
    public async Task NamesTheColumnOfTheFileWhenAnAliasHoldsABadDate()
    {
        using var hr = _app.Hr();
        await TestData.ImportAsync(await WithClinicsAsync(hr));

        var result = await JsonAsync(await hr.PostAsync("/api/records/import", TestData.Csv("employee_id,credential,completed_on\r\na1,BLS,31/31/2026\r\na2,BLS,2026-01-05\r\n")));

        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal((2, "completed_on"), (rejected.GetProperty("row").GetInt32(), rejected.GetProperty("field").GetString()));
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task WarnsWhenAColumnWithoutAHeaderHoldsValues()
    {
        using var hr = _app.Hr();
        await TestData.ImportAsync(await WithClinicsAsync(hr));

        var result = await JsonAsync(await hr.PostAsync("/api/records/import", TestData.Csv("employee_id,credential,issued_on,,\r\na1,BLS,2026-01-05,,\r\na2,BLS,2026-01-05,,stray\r\n")));

        var warning = Assert.Single(result.GetProperty("warnings").EnumerateArray());
        Assert.Equal("(column 5, no header)", warning.GetProperty("field").GetString());
        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task SaysTheBodyMustBeAnArrayWhenJsonIsOneObject()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var detail = await DetailAsync(await hr.PostAsync("/api/staff/import", new StringContent("{\"employee_id\":\"x\"}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Equal("The body must be a JSON array of objects, one per row ([{...}, {...}]). Nothing was imported.", detail);
    }

    private static async Task<HttpClient> WithClinicsAsync(HttpClient hr)
    {
        await TestData.PutClinicsAsync(hr);
        return hr;
    }
}
