using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Support.ConditionalRequests;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Endpoints;

[Collection(AzuriteGroup.Name)]
public sealed class StaffApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    private static object Person(string clinic = "clinic-a", string firstName = "Pat") => new
    {
        first_name = firstName,
        last_name = "Kim",
        email = "pat@example.org",
        clinic_id = clinic,
        role = "medical_assistant",
        hire_date = "2024-05-01",
    };

    [Fact]
    public async Task CreatedThenOkWhenAPersonIsPutTwice()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var first = await hr.PutAsJsonAsync("/api/staff/p1", Person());
        var created = await JsonAsync(first, HttpStatusCode.Created);
        Assert.Equal("p1", created.GetProperty("employeeId").GetString());
        Assert.Equal("medical_assistant", created.GetProperty("role").GetString());

        await JsonAsync(await hr.PutAsJsonAsync("/api/staff/p1", Person()), HttpStatusCode.OK);

        var got = await JsonAsync(await hr.GetAsync("/api/staff/p1?asOf=2026-03-02"));
        Assert.Equal("clinic-a", got.GetProperty("staff").GetProperty("clinicId").GetString());
        Assert.Contains(got.GetProperty("requirements").EnumerateArray(), r => r.GetProperty("requirementKey").GetString() == "HIPAA");
    }

    [Fact]
    public async Task AnswersAnETagThatChangesOnlyWhenThePersonDoes()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var created = ETag(await hr.PutAsJsonAsync("/api/staff/p1", Person()));
        var got = ETag(await hr.GetAsync("/api/staff/p1"));
        var same = ETag(await hr.PutAsJsonAsync("/api/staff/p1", Person()));
        var renamed = ETag(await hr.PutAsJsonAsync("/api/staff/p1", Person(firstName: "Patricia")));
        await hr.DeleteAsync("/api/staff/p1");
        var deactivated = ETag(await hr.GetAsync("/api/staff/p1"));

        Assert.Equal(created, got);
        Assert.Equal(created, same);
        Assert.NotEqual(created, renamed);
        Assert.NotEqual(renamed, deactivated);
    }

    [Fact]
    public async Task PreconditionFailedProblemWhenSomeoneElseChangedThePersonSinceTheyWereRead()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await hr.PutAsJsonAsync("/api/staff/p1", Person());
        var mine = ETag(await hr.GetAsync("/api/staff/p1"));
        await hr.DeleteAsync("/api/staff/p1"); // someone else deactivates them

        var stale = await PutAsync(hr, "/api/staff/p1", Person(firstName: "Patricia"), ifMatch: mine);

        var problem = await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Staff member was changed by someone else", problem.GetProperty("title").GetString());
        Assert.Contains("GET it again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var person = (await JsonAsync(await hr.GetAsync("/api/staff/p1"))).GetProperty("staff");
        Assert.Equal(("Pat", false), (person.GetProperty("firstName").GetString(), person.GetProperty("active").GetBoolean()));

        var current = ETag(await hr.GetAsync("/api/staff/p1"));
        await JsonAsync(await PutAsync(hr, "/api/staff/p1", Person(firstName: "Patricia"), ifMatch: current));
    }

    [Fact]
    public async Task PreconditionFailedProblemAndNoMoveWhenAStaleIfMatchMovesThePersonToAnotherClinic()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var first = ETag(await hr.PutAsJsonAsync("/api/staff/p1", Person()));
        await hr.PutAsJsonAsync("/api/staff/p1", Person(firstName: "Patricia"));

        var stale = await PutAsync(hr, "/api/staff/p1", Person(clinic: "clinic-b"), ifMatch: first);
        await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal("clinic-a", (await JsonAsync(await hr.GetAsync("/api/staff/p1"))).GetProperty("staff").GetProperty("clinicId").GetString());

        var current = ETag(await hr.GetAsync("/api/staff/p1"));
        var moved = await PutAsync(hr, "/api/staff/p1", Person(clinic: "clinic-b"), ifMatch: current);
        Assert.Equal("clinic-b", (await JsonAsync(moved)).GetProperty("clinicId").GetString());
        Assert.Equal(ETag(moved), ETag(await hr.GetAsync("/api/staff/p1")));
    }

    [Fact]
    public async Task PreconditionFailedProblemWhenIfMatchAnyAsksToReplaceSomeoneUnknown()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var problem = await AssertProblemAsync(await PutAsync(hr, "/api/staff/p1", Person(), ifMatch: "*"), HttpStatusCode.PreconditionFailed);

        Assert.Equal("Staff member not found", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/p1")).StatusCode);
        await JsonAsync(await PutAsync(hr, "/api/staff/p1", Person(), ifNoneMatch: "*"), HttpStatusCode.Created);
        await JsonAsync(await PutAsync(hr, "/api/staff/p1", Person(firstName: "Patricia"), ifMatch: "*"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task PreconditionFailedProblemWhenIfNoneMatchAnyCreatesSomeoneWhoExists()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await hr.PutAsJsonAsync("/api/staff/p1", Person());

        var problem = await AssertProblemAsync(await PutAsync(hr, "/api/staff/p1", Person(firstName: "Patricia"), ifNoneMatch: "*"), HttpStatusCode.PreconditionFailed);

        Assert.Equal("Staff member already exists", problem.GetProperty("title").GetString());
        Assert.Equal("Pat", (await JsonAsync(await hr.GetAsync("/api/staff/p1"))).GetProperty("staff").GetProperty("firstName").GetString());
    }

    [Fact]
    public async Task ForbiddenForAManagerWhoSendsAConditionalPut()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var etag = ETag(await hr.PutAsJsonAsync("/api/staff/p1", Person()));
        using var managerA = _app.ManagerA();

        Assert.Equal(etag, ETag(await managerA.GetAsync("/api/staff/p1")));
        await AssertProblemAsync(await PutAsync(managerA, "/api/staff/p1", Person(firstName: "Patricia"), ifMatch: etag), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await PutAsync(managerA, "/api/staff/p1", Person(firstName: "Patricia"), ifMatch: "\"stale\""), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("""{"first_name":"Pat","last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-a","role":"medical_assistant","is_admin":true}""", "is_admin")]
    [InlineData("""{"first_name":"Pat","last_name":"Kim","email":"not-an-email","clinic_id":"clinic-a","role":"medical_assistant"}""", "email")]
    [InlineData("""{"first_name":"Pat","last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-z","role":"medical_assistant"}""", "clinic_id")]
    [InlineData("""{"first_name":"Pat","last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-a","role":"wizard"}""", "role")]
    [InlineData("""{"first_name":"Pat","last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-a","role":"nurse","hire_date":"2024-13-45"}""", "hire_date")]
    [InlineData("""{"employee_id":"other","first_name":"Pat","last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-a","role":"nurse"}""", "employee_id")]
    [InlineData("""{"first_name":{"x":1},"last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-a","role":"nurse"}""", "first_name")]
    public async Task ValidationProblemWhenAFieldIsInvalid(string json, string field)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var response = await hr.PutAsync("/api/staff/p1", new StringContent(json, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/p1")).StatusCode);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"first_name\":")]
    public async Task BadRequestWhenTheBodyIsNotAJsonObject(string json)
    {
        using var hr = _app.Hr();
        var response = await hr.PutAsync("/api/staff/p1", new StringContent(json, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task DeactivatesAndKeepsHistoryWhenDeleted()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var response = await hr.DeleteAsync("/api/staff/a1");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var a1 = await JsonAsync(await hr.GetAsync("/api/staff/a1"));
        Assert.False(a1.GetProperty("staff").GetProperty("active").GetBoolean());
        Assert.Equal("2025-03-16", ImportApiTests.Requirement(a1, "HIPAA").GetProperty("issuedOn").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await hr.DeleteAsync("/api/staff/a1")).StatusCode);
    }

    [Fact]
    public async Task NotFoundWhenDeletingOrReadingSomeoneUnknown()
    {
        using var hr = _app.Hr();
        await AssertProblemAsync(await hr.DeleteAsync("/api/staff/ghost"), HttpStatusCode.NotFound);
        var problem = await AssertProblemAsync(await hr.GetAsync("/api/staff/ghost"), HttpStatusCode.NotFound);
        Assert.Equal("Staff member not found", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task RecordsOneRenewalWhenACredentialIsPut()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var first = await hr.PutAsJsonAsync("/api/staff/b1/credentials/privacy", new { completed_on = "2/20/2026" });
        var created = await JsonAsync(first, HttpStatusCode.Created);
        var hipaa = ImportApiTests.Requirement(created, "HIPAA");
        Assert.Equal("2026-02-20", hipaa.GetProperty("issuedOn").GetString());
        Assert.Equal("current", hipaa.GetProperty("status").GetString());

        await JsonAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-02-21" }), HttpStatusCode.OK);

        using var managerB = _app.ManagerB();
        await JsonAsync(await managerB.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-02-22" }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task ValidationProblemNamingIssuedOnAndNothingStoredWhenARenewalGivesOnlyAnExpiryDate()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var response = await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { expires_on = "2027-02-28", credential_number = "H-1" });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "issued_on");
        Assert.Contains("completed_on", problem.GetProperty("errors").GetProperty("issued_on")[0].GetString(), StringComparison.Ordinal);
        var b1 = await JsonAsync(await hr.GetAsync("/api/staff/b1"));
        var hipaa = b1.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.Equal("missing", hipaa.GetProperty("status").GetString());
    }


    [Fact]
    public async Task ConflictProblemWhenACredentialIsPutForSomeoneDeactivated()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
        await hr.DeleteAsync("/api/staff/b1");
        using var managerB = _app.ManagerB();
        using var managerA = _app.ManagerA();

        var byHr = await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-02-20" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await managerB.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-02-20" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await managerA.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-02-20" }), HttpStatusCode.NotFound);

        Assert.Equal("Staff member is deactivated", byHr.GetProperty("title").GetString());
        Assert.Contains("Reactivate them first", byHr.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var b1 = await JsonAsync(await hr.GetAsync("/api/staff/b1"));
        var hipaa = b1.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.True(hipaa.GetProperty("issuedOn").ValueKind == JsonValueKind.Null, hipaa.ToString());

        await JsonAsync(await hr.PutAsJsonAsync("/api/staff/b1", new { first_name = "Bob", last_name = "Brown", email = "b1@example.org", clinic_id = "clinic-b", role = "front_desk", active = true }));
        await JsonAsync(await managerB.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-02-20" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task TakesCamelCaseFieldsAsTheAnswersSpellThemWhenAPersonOrARenewalIsPut()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var created = await hr.PutAsJsonAsync("/api/staff/p1", new { employeeId = "p1", firstName = "Pat", lastName = "Kim", email = "pat@example.org", clinicId = "clinic-a", role = "nurse", hireDate = "2024-05-01", birthMonthDay = "03-04", testingStartDate = "2024-06-01" });
        var person = await JsonAsync(created, HttpStatusCode.Created);
        var renewal = await JsonAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issuedOn = "2026-02-20", credentialNumber = "H-12345" }), HttpStatusCode.Created);
        var completed = await JsonAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { completedOn = "2026-02-21" }));

        Assert.Equal(("p1", "Pat", "Kim", "clinic-a", "2024-05-01", "03-04"), (person.GetProperty("employeeId").GetString(), person.GetProperty("firstName").GetString(), person.GetProperty("lastName").GetString(), person.GetProperty("clinicId").GetString(), person.GetProperty("hireDate").GetString(), person.GetProperty("birthMonthDay").GetString()));
        Assert.Equal("2026-02-20", ImportApiTests.Requirement(renewal, "HIPAA").GetProperty("issuedOn").GetString());
        Assert.Equal("2026-02-21", ImportApiTests.Requirement(completed, "HIPAA").GetProperty("issuedOn").GetString());
    }

    [Fact]
    public async Task ValidationProblemInTheCallersSpellingWhenACamelCaseFieldIsWrong()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issuedOn = "yesterday" }), HttpStatusCode.BadRequest, "issuedOn");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { expiresOn = "2027-01-01" }), HttpStatusCode.BadRequest, "issuedOn");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/p1", new { employeeId = "p2", firstName = "Pat", lastName = "Kim", email = "pat@example.org", clinicId = "clinic-a", role = "nurse" }), HttpStatusCode.BadRequest, "employeeId");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/p1", new { firstName = "Pat", lastName = "Kim", email = "pat@example.org", clinicId = "clinic-z", role = "nurse" }), HttpStatusCode.BadRequest, "clinicId");
    }

    [Theory]
    [InlineData("""{"issued_on":"2026-02-20","issuedOn":"2026-02-21"}""", "issuedOn", "both")]
    [InlineData("""{"issuedOn":"2026-02-20","completed_on":"2026-02-21","completedOn":"2026-02-21"}""", "completedOn", "both")]
    [InlineData("""{"issuedOn":"2026-02-20","isAdmin":true}""", "isAdmin", "not a field")]
    [InlineData("""{"issuedOn":"2026-02-20","clinicId":"clinic-a"}""", "clinicId", "not a field")]
    public async Task ValidationProblemAndNothingStoredWhenARenewalGivesAFieldTwiceOrOneItDoesNotTake(string json, string field, string reason)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var problem = await AssertProblemAsync(await hr.PutAsync("/api/staff/b1/credentials/HIPAA", new StringContent(json, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, field);

        Assert.Contains(reason, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        var b1 = await JsonAsync(await hr.GetAsync("/api/staff/b1"));
        var hipaa = b1.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.Equal("missing", hipaa.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ValidationProblemWhenAPersonGivesAFieldInBothSpellings()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var response = await hr.PutAsync("/api/staff/p1", new StringContent("""{"first_name":"Pat","firstName":"Patricia","last_name":"Kim","email":"pat@example.org","clinic_id":"clinic-a","role":"nurse"}""", Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "firstName");
        Assert.Contains("first_name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/p1")).StatusCode);
    }

    [Fact]
    public async Task ProblemsWhenACredentialPutIsWrong()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/ghost/credentials/HIPAA", new { issued_on = "2026-01-01" }), HttpStatusCode.NotFound);
        var unknownCode = await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/NOPE", new { issued_on = "2026-01-01" }), HttpStatusCode.NotFound);
        Assert.Equal("Credential type not found", unknownCode.GetProperty("title").GetString());
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "yesterday" }), HttpStatusCode.BadRequest, "issued_on");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2027-01-01" }), HttpStatusCode.BadRequest, "issued_on");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { }), HttpStatusCode.BadRequest, "issued_on");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/HIPAA", new { issued_on = "2026-01-01", clinic_id = "clinic-a" }), HttpStatusCode.BadRequest, "clinic_id");
        await AssertProblemAsync(await hr.PutAsJsonAsync("/api/staff/b1/credentials/BLS", new { issued_on = "2026-01-01", expires_on = "2025-01-01" }), HttpStatusCode.BadRequest, "expires_on");
    }
}
