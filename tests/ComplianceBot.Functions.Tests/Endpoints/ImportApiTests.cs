using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ComplianceBot.Application.Import;
using ComplianceBot.Application.Ports;
using Microsoft.Extensions.DependencyInjection;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Endpoints;

[Collection(AzuriteGroup.Name)]
public sealed class ImportApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly AzuriteFixture _azurite = azurite;
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task AcceptsEveryReadableRowWhenTheRosterCsvHasBomCrlfQuotesAndUsDates()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv)));

        Assert.Equal(3, result.GetProperty("accepted").GetInt32());
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        Assert.False(result.GetProperty("dryRun").GetBoolean());
        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal(4, rejected.GetProperty("row").GetInt32());
        Assert.Equal("first_name", rejected.GetProperty("field").GetString());
        Assert.Contains("line break", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.GetProperty("warnings").EnumerateArray());

        var a1 = (await JsonAsync(await hr.GetAsync("/api/staff/a1"))).GetProperty("staff");
        Assert.Equal("=HYPERLINK(1)", a1.GetProperty("firstName").GetString());
        Assert.Equal("Smith, Jr.", a1.GetProperty("lastName").GetString());
        Assert.Equal("2024-01-15", a1.GetProperty("hireDate").GetString());
        Assert.Equal("IL", a1.GetProperty("state").GetString());
        var a2 = (await JsonAsync(await hr.GetAsync("/api/staff/a2"))).GetProperty("staff");
        Assert.Equal("Ann \"Nan\"", a2.GetProperty("firstName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a3")).StatusCode);
    }

    [Fact]
    public async Task ListsTheImportThatStartedAndNeverFinishedButNotTheOneThatFinished()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var finished = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv)));

        // An import whose process was killed part-way: its start record, and nothing after it.
        var audit = _app.Services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(new AuditRecord(_app.Clock.GetUtcNow(), "hr:killed", "import.roster.started", AuditRecord.Organization, "file", "started", "import=0123456789ab kind=roster rows=unknown"));
        Assert.Empty((await JsonAsync(await hr.GetAsync("/api/imports?unfinished=true"))).EnumerateArray());

        _app.Clock.Advance(TimeSpan.FromMinutes(2));
        var listed = Assert.Single((await JsonAsync(await hr.GetAsync("/api/imports?unfinished=true"))).EnumerateArray());
        Assert.Equal("0123456789ab", listed.GetProperty("importId").GetString());
        Assert.Equal(("hr:killed", "roster"), (listed.GetProperty("actor").GetString(), listed.GetProperty("kind").GetString()));
        Assert.NotEqual("0123456789ab", finished.GetProperty("importId").GetString());

        await AssertProblemAsync(await hr.GetAsync("/api/imports"), HttpStatusCode.BadRequest, "unfinished");
        using var manager = _app.ManagerA();
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync("/api/imports?unfinished=true")).StatusCode);
    }

    [Fact]
    public async Task ReportsTheUnknownColumnAndMovesNoOneWhenARecordsFileHasAClinicIdColumn()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        (await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv))).EnsureSuccessStatusCode();

        var result = await JsonAsync(await hr.PostAsync("/api/records/import", TestData.Csv(TestData.RecordsCsv)));

        Assert.Equal(2, result.GetProperty("created").GetInt32());
        var warning = Assert.Single(result.GetProperty("warnings").EnumerateArray());
        Assert.Equal("clinic_id", warning.GetProperty("field").GetString());
        Assert.Contains("unknown column", warning.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var a1 = await JsonAsync(await hr.GetAsync("/api/staff/a1"));
        Assert.Equal("clinic-a", a1.GetProperty("staff").GetProperty("clinicId").GetString());
        var hipaa = a1.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("credential").GetString() == "HIPAA");
        Assert.Equal("2025-03-16", hipaa.GetProperty("issuedOn").GetString());

        using var managerA = _app.ManagerA();
        Assert.Equal(HttpStatusCode.OK, (await managerA.GetAsync("/api/staff/a1")).StatusCode);
        using var managerB = _app.ManagerB();
        Assert.Equal(HttpStatusCode.NotFound, (await managerB.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Fact]
    public async Task ImportsAJsonArrayOfRosterObjects()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        const string json = """
            [
              {"employee_id":"j1","first_name":"Jo","last_name":"Lane","email":"j1@example.org","clinic_id":"clinic-b","role":"nurse","hire_date":"3/4/2024","active":true},
              {"Employee ID":"j2","First Name":"Al","Last Name":"Ng","Email":"j2@example.org","Clinic ID":"clinic-b","Role":"RN"},
              {"employee_id":"j3","first_name":"No","last_name":"Clinic","email":"j3@example.org","clinic_id":"clinic-z","role":"nurse"},
              {"employeeId":"j4","firstName":"Cam","lastName":"Case","email":"j4@example.org","clinicId":"clinic-b","role":"nurse","hireDate":"2024-05-06"}
            ]
            """;

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import", new StringContent(json, Encoding.UTF8, "application/json")));

        // JSON rows take the answers' camelCase as well as the CSV's snake_case (j4).
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        Assert.Equal("2024-05-06", (await JsonAsync(await hr.GetAsync("/api/staff/j4"))).GetProperty("staff").GetProperty("hireDate").GetString());
        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal(3, rejected.GetProperty("row").GetInt32());
        Assert.Equal("clinic_id", rejected.GetProperty("field").GetString());
        var j1 = (await JsonAsync(await hr.GetAsync("/api/staff/j1"))).GetProperty("staff");
        Assert.Equal("2024-03-04", j1.GetProperty("hireDate").GetString());
        Assert.Equal("nurse", j1.GetProperty("role").GetString());
    }

    [Fact]
    public async Task WritesNothingWhenDryRun()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import?dryRun=true", TestData.Csv(TestData.RosterCsv)));

        Assert.True(result.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
        var compliance = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a/compliance"));
        Assert.Equal(0, compliance.GetProperty("staffCount").GetInt32());

        (await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv))).EnsureSuccessStatusCode();
        var records = await JsonAsync(await hr.PostAsync("/api/records/import?dryRun=true", TestData.Csv(TestData.RecordsCsv)));
        Assert.Equal(2, records.GetProperty("created").GetInt32());
        var a1 = await JsonAsync(await hr.GetAsync("/api/staff/a1"));
        Assert.Equal("missing", a1.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("requirementKey").GetString() == "HIPAA").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("dryrun=true", "'dryrun'")]
    [InlineData("dry-run=true", "'dry-run'")]
    [InlineData("dryRun=true&clinic=a", "'clinic'")]
    public async Task RefusesAMisspeltQueryParameterAndImportsNothing(string query, string named)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var problem = await AssertProblemAsync(await hr.PostAsync($"/api/staff/import?{query}", TestData.Csv(TestData.RosterCsv)), HttpStatusCode.BadRequest);

        Assert.Equal("Unknown query parameter", problem.GetProperty("title").GetString());
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("dryRun", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Fact]
    public async Task TakesDrySnakeCaseRunAsTheSameDryRun()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import?dry_run=true", TestData.Csv(TestData.RosterCsv)));

        Assert.True(result.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Fact]
    public async Task ChangesNothingWhenTheSameFilesAreImportedTwice()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var roster = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv)));
        var records = await JsonAsync(await hr.PostAsync("/api/records/import", TestData.Csv(TestData.RecordsCsv)));

        Assert.Equal((0, 0, 3), (roster.GetProperty("created").GetInt32(), roster.GetProperty("updated").GetInt32(), roster.GetProperty("unchanged").GetInt32()));
        Assert.Equal((0, 0, 2), (records.GetProperty("created").GetInt32(), records.GetProperty("updated").GetInt32(), records.GetProperty("unchanged").GetInt32()));
    }

    [Fact]
    public async Task RejectsTheRowNamingTheColumnWhenADateIsNotUsOrIso()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        (await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv))).EnsureSuccessStatusCode();
        const string csv = "employee_id,credential,issued_on\r\na1,HIPAA,16.03.2025\r\na2,HIPAA,2/1/2026\r\n";

        var result = await JsonAsync(await hr.PostAsync("/api/records/import", TestData.Csv(csv)));

        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal((2, "issued_on"), (rejected.GetProperty("row").GetInt32(), rejected.GetProperty("field").GetString()));
        Assert.Contains("16.03.2025", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnprocessableProblemWithTheRowErrorsWhenEveryRowIsInvalid()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        const string csv = "employee_id,credential,issued_on\r\nnobody,HIPAA,2025-01-01\r\na1,NOT_A_CODE,2025-01-01\r\n";

        var response = await hr.PostAsync("/api/records/import", TestData.Csv(csv));

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(0, problem.GetProperty("accepted").GetInt32());
        var rows = problem.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("row").GetInt32(), r.GetProperty("field").GetString())).ToList();
        Assert.Equal([(2, "employee_id"), (3, "employee_id")], rows);
    }

    [Fact]
    public async Task UnprocessableProblemWithOneHeaderErrorWhenTheRosterHasNoEmailColumn()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        const string csv = "employee_id,first_name,last_name,clinic_id,role\r\nh1,Pat,Lee,clinic-a,nurse\r\nh2,Al,Ng,clinic-a,nurse\r\n";

        var response = await hr.PostAsync("/api/staff/import", TestData.Csv(csv));

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The file lacks a required column", problem.GetProperty("title").GetString());
        Assert.Contains("no email column", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var error = Assert.Single(problem.GetProperty("rejected").EnumerateArray());
        Assert.Equal((1, "email"), (error.GetProperty("row").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("employee_id, first_name, last_name, email, clinic_id and role", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, problem.GetProperty("rejectedCount").GetInt32());
        Assert.Equal(["email"], problem.GetProperty("missingColumns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/h1")).StatusCode);
    }

    [Fact]
    public async Task AnswersWhoWasCreatedUpdatedAndMovedInCamelCase()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        (await hr.PostAsync("/api/staff/import", TestData.Csv(TestData.RosterCsv))).EnsureSuccessStatusCode();
        const string csv = "employee_id,first_name,last_name,email,clinic_id,role\r\n"
            + "a1,Al,Smith,a1@example.org,clinic-b,front_desk\r\n"
            + "n1,Nia,Cole,n1@example.org,clinic-a,nurse\r\n";

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(csv)));

        var created = Assert.Single(result.GetProperty("createdRows").EnumerateArray());
        Assert.Equal((3, "n1", "clinic-a"), (created.GetProperty("row").GetInt32(), created.GetProperty("employeeId").GetString(), created.GetProperty("clinicId").GetString()));
        var updated = Assert.Single(result.GetProperty("updatedRows").EnumerateArray());
        Assert.Equal("a1", updated.GetProperty("employeeId").GetString());
        var moved = Assert.Single(result.GetProperty("movedRows").EnumerateArray());
        Assert.Equal((2, "a1", "clinic-a", "clinic-b"), (moved.GetProperty("row").GetInt32(), moved.GetProperty("employeeId").GetString(), moved.GetProperty("fromClinicId").GetString(), moved.GetProperty("toClinicId").GetString()));
        Assert.Equal(1, result.GetProperty("movedCount").GetInt32());
        Assert.Equal((1, 1), (result.GetProperty("created").GetInt32(), result.GetProperty("updated").GetInt32()));
    }

    [Fact]
    public async Task UnsupportedMediaTypeWhenTheBodyIsXml()
    {
        using var hr = _app.Hr();
        var response = await hr.PostAsync("/api/staff/import", new StringContent("<roster/>", Encoding.UTF8, "application/xml"));
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("text/csv", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/csv", "")]
    [InlineData("application/json", "{\"not\":\"an array\"")]
    [InlineData("application/json", "[{\"employee_id\":\"x\"},")]
    [InlineData("text/csv", "employee_id,employee id\r\nx,y\r\n")]
    public async Task BadRequestWhenTheFileCannotBeRead(string contentType, string body)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var response = await hr.PostAsync("/api/staff/import", new StringContent(body, Encoding.UTF8, contentType));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ImportsNothingAndNamesTheLineWhenJsonBreaksAfterMoreRowsThanOneChunk(bool chunked)
    {
        // 2,500 good rows (more than one 2,000-row chunk), then a row with a missing ':' on line 2,502.
        using var hr = chunked ? _app.HrStreaming() : _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var json = new StringBuilder("[\n");
        for (var i = 1; i <= 2500; i++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{{\"employee_id\":\"j{i:0000}\",\"first_name\":\"Jo\",\"last_name\":\"Lane\",\"email\":\"j{i}@example.org\",\"clinic_id\":\"clinic-a\",\"role\":\"nurse\"}},\n");
        }

        json.Append("{\"employee_id\" \"broken\"}\n]\n");
        HttpContent body = chunked ? new UnknownLengthContent(json.ToString(), "application/json") : new StringContent(json.ToString(), Encoding.UTF8, "application/json");

        var problem = await AssertProblemAsync(await hr.PostAsync("/api/staff/import", body), HttpStatusCode.BadRequest);

        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("line 2502", detail, StringComparison.Ordinal);
        Assert.Contains("Nothing was imported", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/j0001")).StatusCode);
    }

    [Fact]
    public async Task PayloadTooLargeWhenTheBodyPassesTheCap()
    {
        using var small = new ComplianceBotApp(_azurite, new Dictionary<string, string?> { ["Import:MaxBodyBytes"] = "200" });
        using var hr = small.Hr();
        await TestData.PutClinicsAsync(hr);
        var big = TestData.RosterCsv + string.Concat(Enumerable.Range(0, 20).Select(i => $"x{i},X,Y,x{i}@example.org,clinic-a,other,,,,\r\n"));

        var declared = await hr.PostAsync("/api/staff/import", TestData.Csv(big));
        var problem = await AssertProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("nothing was imported", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Without a Content-Length the cap is enforced while reading: still 413, and no row half-applied.
        using var streaming = small.HrStreaming();
        var streamed = await streaming.PostAsync("/api/staff/import", new UnknownLengthContent(big, "text/csv"));
        Assert.Null(streamed.RequestMessage!.Content!.Headers.ContentLength);
        await AssertProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/a1")).StatusCode);
    }

    [Fact]
    public async Task PayloadTooLargeAndNoRowStoredWhenAChunkedBodyPassesTheCapAfterMoreThanOneWriteChunk()
    {
        // The cap lets the first write chunk (2,000 rows) and a little more through before it is passed.
        var cap = Encoding.UTF8.GetByteCount(ManyRows(ImportService.WriteChunk + 200));
        using var small = new ComplianceBotApp(_azurite, new Dictionary<string, string?> { ["Import:MaxBodyBytes"] = cap.ToString(CultureInfo.InvariantCulture) });
        using var hr = small.Hr();
        await TestData.PutClinicsAsync(hr);

        using var streaming = small.HrStreaming();
        var response = await streaming.PostAsync("/api/staff/import", new UnknownLengthContent(ManyRows(ImportService.WriteChunk + 500), "text/csv"));

        Assert.Null(response.RequestMessage!.Content!.Headers.ContentLength);
        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("nothing was imported", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync("/api/staff/m00000")).StatusCode);
        var compliance = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a/compliance"));
        Assert.Equal(0, compliance.GetProperty("staffCount").GetInt32());
    }

    [Fact]
    public async Task ImportsEveryRowWhenAChunkedBodyOfMoreThanOneWriteChunkIsUnderTheCap()
    {
        var rows = ImportService.WriteChunk + 100;
        var csv = ManyRows(rows);
        using var small = new ComplianceBotApp(_azurite, new Dictionary<string, string?> { ["Import:MaxBodyBytes"] = Encoding.UTF8.GetByteCount(csv).ToString(CultureInfo.InvariantCulture) });
        using var hr = small.Hr();
        await TestData.PutClinicsAsync(hr);

        using var streaming = small.HrStreaming();
        var response = await streaming.PostAsync("/api/staff/import", new UnknownLengthContent(csv, "text/csv"));

        Assert.Null(response.RequestMessage!.Content!.Headers.ContentLength);
        var result = await JsonAsync(response);

        Assert.Equal((rows, rows, 0), (result.GetProperty("accepted").GetInt32(), result.GetProperty("created").GetInt32(), result.GetProperty("rejectedCount").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await hr.GetAsync("/api/staff/m00000")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await hr.GetAsync($"/api/staff/m{rows - 1:D5}")).StatusCode);
    }

    [Fact]
    public async Task WarnsOnceOfEachUnknownKeyWithTheFirstObjectNamingItWhenItIsNotInTheFirstObject()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        const string json = """
            [
              {"employee_id":"k1","first_name":"Jo","last_name":"Lane","email":"k1@example.org","clinic_id":"clinic-b","role":"nurse"},
              {"employee_id":"k2","first_name":"Al","last_name":"Ng","email":"k2@example.org","clinic_id":"clinic-b","role":"nurse","badge":"7"},
              {"employee_id":"k3","first_name":"Bo","last_name":"Ray","email":"k3@example.org","clinic_id":"clinic-b","role":"nurse","Badge":"8","Night Shift":"yes"}
            ]
            """;

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import", new StringContent(json, Encoding.UTF8, "application/json")));

        Assert.Equal(3, result.GetProperty("created").GetInt32());
        var warnings = result.GetProperty("warnings").EnumerateArray().Select(w => (w.GetProperty("row").GetInt32(), w.GetProperty("field").GetString())).ToList();
        Assert.Equal([(2, "badge"), (3, "night_shift")], warnings);
        Assert.All(result.GetProperty("warnings").EnumerateArray(), w => Assert.Equal("unknown column; its values were ignored", w.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task WarnsOfTheHeadersUnknownColumnWhenTheFirstDataRowCannotBeRead()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        const string csv = "employee_id,first_name,last_name,email,clinic_id,role,badge\r\n"
            + "broken,row\r\n"
            + "c1,Pat,Lee,c1@example.org,clinic-a,other,7\r\n";

        var result = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(csv)));

        Assert.Equal(1, result.GetProperty("created").GetInt32());
        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal((2, "(row)"), (rejected.GetProperty("row").GetInt32(), rejected.GetProperty("field").GetString()));
        var warning = Assert.Single(result.GetProperty("warnings").EnumerateArray());
        Assert.Equal((1, "badge"), (warning.GetProperty("row").GetInt32(), warning.GetProperty("field").GetString()));
    }

    /// <summary>A roster of valid, distinct people in clinic-a: m00000, m00001, ...</summary>
    private static string ManyRows(int count) =>
        "employee_id,first_name,last_name,email,clinic_id,role\r\n"
        + string.Concat(Enumerable.Range(0, count).Select(i => $"m{i:D5},Pat,Lee,m{i:D5}@example.org,clinic-a,other\r\n"));

    [Fact]
    public async Task AcceptsRowsWhenTheCsvUsesLfOnlyWithoutBom()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        var lf = TestData.RosterCsv.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);
        var result = await JsonAsync(await hr.PostAsync("/api/staff/import", TestData.Csv(lf)));
        Assert.Equal(3, result.GetProperty("accepted").GetInt32());
        Assert.Equal(4, result.GetProperty("rejected")[0].GetProperty("row").GetInt32());
    }

    /// <summary>A body sent without Content-Length (chunked), as a streaming client would.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(string text, string mediaType)
        {
            _bytes = Encoding.UTF8.GetBytes(text);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var chunk in _bytes.Chunk(64))
            {
                await stream.WriteAsync(chunk);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    internal static JsonElement Requirement(JsonElement staff, string code) =>
        staff.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("credential").GetString() == code);
}
