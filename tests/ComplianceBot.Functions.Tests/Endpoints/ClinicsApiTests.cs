using System.Net;
using System.Net.Http.Json;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Support.ConditionalRequests;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Endpoints;

[Collection(AzuriteGroup.Name)]
public sealed class ClinicsApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task CreatedThenOkWhenTheSameClinicIsPutTwice()
    {
        using var hr = _app.Hr();
        var body = TestData.Clinic("Clinic A", "America/Chicago", "il", TestData.ManagerAEmail, 8);

        var first = await hr.PutAsJsonAsync("/api/clinics/clinic-a", body);
        var created = await JsonAsync(first, HttpStatusCode.Created);
        Assert.Equal("/api/clinics/clinic-a", first.Headers.Location?.OriginalString);
        Assert.Equal("IL", created.GetProperty("state").GetString());
        Assert.Equal(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], created.GetProperty("businessDays").EnumerateArray().Select(d => d.GetString()));

        var second = await hr.PutAsJsonAsync("/api/clinics/clinic-a", body);
        await JsonAsync(second, HttpStatusCode.OK);

        var got = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a"));
        Assert.Equal("clinic-a", got.GetProperty("id").GetString());
        Assert.Equal("America/Chicago", got.GetProperty("timeZone").GetString());
        Assert.Equal(8, got.GetProperty("sendHour").GetInt32());
    }

    private static object ClinicA(string name = "Clinic A") => TestData.Clinic(name, "America/Chicago", "IL", TestData.ManagerAEmail, 8);

    [Fact]
    public async Task AnswersAnETagThatChangesOnlyWhenTheClinicDoes()
    {
        using var hr = _app.Hr();

        var created = await hr.PutAsJsonAsync("/api/clinics/clinic-a", ClinicA());
        var first = ETag(created);
        var got = await hr.GetAsync("/api/clinics/clinic-a");
        var same = await hr.PutAsJsonAsync("/api/clinics/clinic-a", ClinicA());
        var changed = await hr.PutAsJsonAsync("/api/clinics/clinic-a", ClinicA("Clinic A (renamed)"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(first, ETag(got));
        Assert.Equal(first, ETag(same));
        Assert.NotEqual(first, ETag(changed));
        Assert.Equal(ETag(changed), ETag(await hr.GetAsync("/api/clinics/clinic-a")));
    }

    [Fact]
    public async Task PreconditionFailedProblemWhenSomeoneElseChangedTheClinicSinceItWasRead()
    {
        using var hr = _app.Hr();
        await hr.PutAsJsonAsync("/api/clinics/clinic-a", ClinicA());
        var mine = ETag(await hr.GetAsync("/api/clinics/clinic-a"));
        var theirs = ETag(await PutAsync(hr, "/api/clinics/clinic-a", ClinicA("Changed by them"), ifMatch: mine));

        var stale = await PutAsync(hr, "/api/clinics/clinic-a", ClinicA("Changed by me"), ifMatch: mine);

        var problem = await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Clinic was changed by someone else", problem.GetProperty("title").GetString());
        Assert.Contains("GET it again, reapply your change and retry", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Changed by them", (await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a"))).GetProperty("name").GetString());

        var retried = await PutAsync(hr, "/api/clinics/clinic-a", ClinicA("Changed by me"), ifMatch: theirs);
        Assert.Equal("Changed by me", (await JsonAsync(retried)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task ExactlyOneOfTwoConcurrentPutsWinsWhenBothSendTheSameIfMatch()
    {
        using var hr = _app.Hr();
        await hr.PutAsJsonAsync("/api/clinics/clinic-a", ClinicA());
        var etag = ETag(await hr.GetAsync("/api/clinics/clinic-a"));

        var responses = await Task.WhenAll(
            PutAsync(hr, "/api/clinics/clinic-a", ClinicA("First"), ifMatch: etag),
            PutAsync(hr, "/api/clinics/clinic-a", ClinicA("Second"), ifMatch: etag));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], responses.Select(r => r.StatusCode).Order());
        var winner = await (responses.Single(r => r.StatusCode == HttpStatusCode.OK)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(winner.GetProperty("name").GetString(), (await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a"))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task PreconditionFailedProblemWhenIfMatchAnyAsksToReplaceAClinicThatDoesNotExist()
    {
        using var hr = _app.Hr();

        var response = await PutAsync(hr, "/api/clinics/clinic-a", ClinicA(), ifMatch: "*");

        var problem = await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Clinic not found", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/clinics/clinic-a")).StatusCode);
    }

    [Fact]
    public async Task PreconditionFailedProblemWhenIfNoneMatchAnyCreatesAClinicThatExists()
    {
        using var hr = _app.Hr();
        var created = await PutAsync(hr, "/api/clinics/clinic-a", ClinicA(), ifNoneMatch: "*");

        var again = await PutAsync(hr, "/api/clinics/clinic-a", ClinicA("Overwritten"), ifNoneMatch: "*");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var problem = await AssertProblemAsync(again, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Clinic already exists", problem.GetProperty("title").GetString());
        Assert.Equal("Clinic A", (await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a"))).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("If-Match", "abc")]
    [InlineData("If-None-Match", "\"unterminated")]
    public async Task BadRequestProblemWhenAConditionalHeaderIsNotAnEntityTag(string header, string value)
    {
        using var hr = _app.Hr();

        var response = await PutAsync(hr, "/api/clinics/clinic-a", ClinicA(), ifMatch: header == "If-Match" ? value : null, ifNoneMatch: header == "If-None-Match" ? value : null);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal($"{header} is not valid.", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/clinics/clinic-a")).StatusCode);
    }

    [Fact]
    public async Task ForbiddenForAManagerAndNoETagForAnotherClinicWhenConditionalRequestsAreSent()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var etag = ETag(await hr.GetAsync("/api/clinics/clinic-a"));
        using var managerA = _app.ManagerA();

        var put = await PutAsync(managerA, "/api/clinics/clinic-a", ClinicA("By a manager"), ifMatch: etag);
        var own = await managerA.GetAsync("/api/clinics/clinic-a");
        var other = await managerA.GetAsync("/api/clinics/clinic-b");

        await AssertProblemAsync(put, HttpStatusCode.Forbidden);
        Assert.Equal(etag, ETag(own));
        await AssertProblemAsync(other, HttpStatusCode.NotFound);
        Assert.Null(other.Headers.ETag);
    }

    [Fact]
    public async Task ListsOnlyTheManagersClinicsWhenAManagerAsks()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var all = await JsonAsync(await hr.GetAsync("/api/clinics"));
        Assert.Equal(["clinic-a", "clinic-b"], all.EnumerateArray().Select(c => c.GetProperty("id").GetString()).Order());

        using var managerA = _app.ManagerA();
        var mine = await JsonAsync(await managerA.GetAsync("/api/clinics"));
        Assert.Equal(["clinic-a"], mine.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task NotFoundWhenTheClinicDoesNotExist()
    {
        using var hr = _app.Hr();
        var problem = await AssertProblemAsync(await hr.GetAsync("/api/clinics/nowhere"), HttpStatusCode.NotFound);
        Assert.Equal("Clinic not found", problem.GetProperty("title").GetString());
    }

    public static TheoryData<string, string> InvalidClinics => new()
    {
        { """{"name":"A","timeZone":"Central Standard Time","state":"IL","managerEmails":[],"sendHour":8}""", "timeZone" },
        { """{"name":"A","timeZone":"Mars/Olympus","state":"IL","managerEmails":[],"sendHour":8}""", "timeZone" },
        { """{"name":"","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "name" },
        { """{"name":"A","timeZone":"America/Chicago","state":"Illinois","managerEmails":[],"sendHour":8}""", "state" },
        { """{"name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":24}""", "sendHour" },
        { """{"name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":["not an address"],"sendHour":8}""", "managerEmails" },
        { """{"name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8,"businessDays":["Funday"]}""", "businessDays" },
        { """{"name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8,"businessDays":["1"]}""", "businessDays" },
        { """{"id":"clinic-z","name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "id" },
        { """{"name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8,"managerObjectIds":["mia@example.org"]}""", "managerObjectIds" },
    };

    [Fact]
    public async Task KeepsTheRequirementSwitchesAndManagerIdsAClinicIsPutWith()
    {
        using var hr = _app.Hr();
        var body = new
        {
            name = "Clinic A", timeZone = "America/Chicago", state = "IL", managerEmails = new[] { TestData.ManagerAEmail }, sendHour = 8,
            requiresRespirators = true, expectsExtinguisherUse = true, performsWaivedTesting = true,
            managerObjectIds = new[] { " 0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0 " },
        };

        await JsonAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-a", body), HttpStatusCode.Created);
        var got = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a"));

        Assert.True(got.GetProperty("requiresRespirators").GetBoolean() && got.GetProperty("expectsExtinguisherUse").GetBoolean() && got.GetProperty("performsWaivedTesting").GetBoolean());
        Assert.Equal(["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"], got.GetProperty("managerObjectIds").EnumerateArray().Select(i => i.GetString()));
    }

    [Theory]
    [MemberData(nameof(InvalidClinics))]
    public async Task ValidationProblemWhenAFieldIsInvalid(string json, string field)
    {
        using var hr = _app.Hr();
        var response = await hr.PutAsync("/api/clinics/clinic-a", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal("The request is not valid.", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/clinics/clinic-a")).StatusCode);
    }

    [Fact]
    public async Task ValidationProblemNamingEveryWrongFieldAtOnce()
    {
        using var hr = _app.Hr();
        var json = """{"id":"clinic-z","name":"","timeZone":"Central Standard Time","state":"Illinois","managerEmails":["not an address","boss@clinic"],"sendHour":24,"businessDays":["Funday"]}""";

        var problem = await AssertProblemAsync(await hr.PutAsync("/api/clinics/clinic-a", new StringContent(json, System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors");
        Assert.Equal(["businessDays", "id", "managerEmails", "name", "sendHour", "state", "timeZone"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, errors.GetProperty("managerEmails").GetArrayLength());
        Assert.StartsWith("7 fields are not valid", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/clinics/clinic-a")).StatusCode);
    }

    public static TheoryData<string, string, string> UnsafeClinics => new()
    {
        { """{"name":"Clinic\r\nBcc: x@example.org","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "name", "line break" },
        { """{"name":"Clinic\tA","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "name", "control character" },
        { """{"name":"\u200B\u200D\u00A0\uFEFF","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "name", "no visible character" },
        { """{"name":"Clinic \u202Eevil","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "name", "text direction" },
        { """{"name":"Clinic \u2066A\u2069","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8}""", "name", "text direction" },
        { """{"name":"A","timeZone":"America/Chicago","state":"IL","managerEmails":[],"sendHour":8,"businessDays":[]}""", "businessDays", "never" },
    };

    [Theory]
    [MemberData(nameof(UnsafeClinics))]
    public async Task ValidationProblemWhenANameIsUnsafeOrTheClinicWouldNeverSend(string json, string field, string reason)
    {
        using var hr = _app.Hr();

        var problem = await AssertProblemAsync(await hr.PutAsync("/api/clinics/clinic-a", new StringContent(json, System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, field);

        Assert.Contains(reason, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/clinics/clinic-a")).StatusCode);
    }

    [Fact]
    public async Task ValidationProblemRatherThanAServerErrorWhenThereAreMoreThanFiftyManagers()
    {
        using var hr = _app.Hr();
        var body = new { name = "A", timeZone = "America/Chicago", state = "IL", managerEmails = Enumerable.Range(1, 51).Select(i => $"manager{i}@example.org").ToArray(), sendHour = 8 };

        var problem = await AssertProblemAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-a", body), HttpStatusCode.BadRequest, "managerEmails");

        Assert.Contains("at most 50", problem.GetProperty("errors").GetProperty("managerEmails")[0].GetString(), StringComparison.Ordinal);
        var fifty = new { name = "A", timeZone = "America/Chicago", state = "IL", managerEmails = Enumerable.Range(1, 50).Select(i => $"manager{i}@example.org").ToArray(), sendHour = 8 };
        await JsonAsync(await hr.PutAsJsonAsync("/api/clinics/clinic-a", fifty), HttpStatusCode.Created);
    }

    [Fact]
    public async Task ValidationProblemWhenTheClinicIdIsNotASlug()
    {
        using var hr = _app.Hr();
        var response = await hr.PutAsJsonAsync("/api/clinics/Clinic_A", TestData.Clinic("A", "America/Chicago", "IL", TestData.ManagerAEmail, 8));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "clinicId");
    }

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("{\"name\":\"A\",\"timeZone\":\"America/Chicago\",\"state\":\"IL\",\"managerEmails\":[],\"sendHour\":8,\"isAdmin\":true}")]
    [InlineData("[]")]
    public async Task BadRequestWhenTheBodyCannotBeRead(string json)
    {
        using var hr = _app.Hr();
        var response = await hr.PutAsync("/api/clinics/clinic-a", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task UnsupportedMediaTypeWhenTheBodyIsNotJson()
    {
        using var hr = _app.Hr();
        var response = await hr.PutAsync("/api/clinics/clinic-a", new StringContent("name=A", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }
}
