using System.Net;
using System.Net.Http.Json;
using System.Text;
using ComplianceBot.Application.Ports;
using ComplianceBot.Functions.Endpoints;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Endpoints;

[Collection(AzuriteGroup.Name)]
public sealed class ComplianceApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task ReportsEveryPersonAgainstEveryRequirementWhenJsonIsAsked()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var report = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-a/compliance?asOf=2026-03-02&format=json"));

        Assert.Equal("2026-03-02", report.GetProperty("asOf").GetString());
        Assert.Equal(2, report.GetProperty("staffCount").GetInt32());
        var a2 = report.GetProperty("staff").EnumerateArray().Single(s => s.GetProperty("staff").GetProperty("employeeId").GetString() == "a2");
        Assert.Equal("current", ImportApiTests.Requirement(a2, "HIPAA").GetProperty("status").GetString());
        Assert.True(ImportApiTests.Requirement(a2, "HIPAA").GetProperty("credentialNumberMasked").ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task ListsPlaceholderDatesStoredBeforeTheImportCheckForHrAndNamesThemInTheDailyRunsLog()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
        // Written before imports refused placeholders (an import refuses this row today).
        var store = _app.Services.GetRequiredService<IStaffStore>();
        var a1 = await store.GetAsync("a1");
        await store.UpsertManyAsync([a1! with { HireDate = new DateOnly(9999, 12, 31) }]);

        var report = await hr.GetFromJsonAsync<ClinicComplianceDto>("/api/clinics/clinic-a/compliance?asOf=2026-03-02");
        var run = await _app.FireAsync(TimerFunctions.DailyReminders);

        var date = Assert.Single(report!.DatesToCorrect);
        Assert.Equal(("a1", "hire_date", null, new DateOnly(9999, 12, 31)), (date.EmployeeId, date.Field, date.Credential, date.Value));
        Assert.True(run.Succeeded, run.Error?.ToString());
        Assert.Contains(run.Logs, l => l.StartsWith("clinic=clinic-a ", StringComparison.Ordinal) && l.Contains("completed=True dates-to-correct=1 [a1 hire_date]", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("AB-123456789", "•••••6789")]
    [InlineData("12345", "•••••2345")]
    [InlineData("1234", "•••••")]
    [InlineData("7", "•••••")]
    [InlineData("  99887766 ", "•••••7766")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void MasksACredentialNumberButItsLastFourCharacters(string? number, string? expected) =>
        Assert.Equal(expected, ComplianceBot.Domain.Model.CredentialNumbers.Mask(number));

    [Fact]
    public async Task ShowsCredentialNumbersMaskedButTheirLastFourToHrAndThePersonsManagers()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
        await JsonAsync(await hr.PutAsJsonAsync("/api/staff/a1/credentials/HIPAA", new { issued_on = "2026-02-20", credential_number = "AB-123456789" }));
        using var managerA = _app.ManagerA();

        var person = await JsonAsync(await managerA.GetAsync("/api/staff/a1?asOf=2026-03-02"));
        var report = await hr.GetStringAsync("/api/clinics/clinic-a/compliance?asOf=2026-03-02");
        var csv = await managerA.GetStringAsync("/api/clinics/clinic-a/compliance?asOf=2026-03-02&format=csv");
        var preview = await hr.GetStringAsync("/api/clinics/clinic-a/preview?asOf=2026-03-02");

        Assert.Equal("•••••6789", ImportApiTests.Requirement(person, "HIPAA").GetProperty("credentialNumberMasked").GetString());
        var a1 = System.Text.Json.JsonDocument.Parse(report).RootElement.GetProperty("staff").EnumerateArray().Single(s => s.GetProperty("staff").GetProperty("employeeId").GetString() == "a1");
        Assert.Equal("•••••6789", ImportApiTests.Requirement(a1, "HIPAA").GetProperty("credentialNumberMasked").GetString());
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var column = Array.IndexOf(lines[0].Split(','), "credential_number_masked");
        Assert.True(column >= 0, lines[0]);
        Assert.Equal("credential", lines[0].Split(',')[column - 1]);
        Assert.Contains(",HIPAA,•••••6789,", Assert.Single(lines, l => l.StartsWith("clinic-a,a1,", StringComparison.Ordinal) && l.Contains(",HIPAA,", StringComparison.Ordinal)), StringComparison.Ordinal);
        foreach (var text in new[] { person.GetRawText(), report, csv, preview })
        {
            Assert.DoesNotContain("12345", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NoBrowserOrProxyKeepsTheReportWhetherJsonOrCsvIsAsked()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        foreach (var format in new[] { "json", "csv" })
        {
            var response = await hr.GetAsync($"/api/clinics/clinic-a/compliance?asOf=2026-03-02&format={format}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl?.NoStore, $"{format}: Cache-Control is '{response.Headers.CacheControl}'");
        }

        // Problems too (they can name a person or clinic).
        var missing = await hr.GetAsync("/api/clinics/nowhere/compliance");
        Assert.True(missing.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task NeutralisesFormulaCellsWhenCsvIsAsked()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        (await hr.PutAsync("/api/staff/f1", Json("""{"first_name":"+SUM(A1)","last_name":"@cmd","email":"f1@example.org","clinic_id":"clinic-a","role":"other"}"""))).EnsureSuccessStatusCode();
        (await hr.PutAsync("/api/staff/f2", Json("""{"first_name":"-2+3","last_name":"\tTab","email":"f2@example.org","clinic_id":"clinic-a","role":"other"}"""))).EnsureSuccessStatusCode();
        await TestData.ImportAsync(hr);

        var response = await hr.GetAsync("/api/clinics/clinic-a/compliance?asOf=2026-03-02&format=csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("compliance-clinic-a-2026-03-02.csv", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var csv = await response.Content.ReadAsStringAsync();
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        // due_on, not expires_on: for a missing item it is when the item is due, for a held one the date it runs out.
        Assert.Equal("clinic_id,employee_id,first_name,last_name,role,requirement,credential,credential_number_masked,status,issued_on,due_on,days_left,date_check,advice,evidence_on_file,verified_by,verified_on", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("clinic-a,a1,'=HYPERLINK(1),\"Smith, Jr.\",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("clinic-a,f1,'+SUM(A1),'@cmd,", StringComparison.Ordinal));
        // A leading tab never reaches the report: names are trimmed when stored (and CR is refused).
        Assert.Contains(lines, l => l.StartsWith("clinic-a,f2,'-2+3,Tab,", StringComparison.Ordinal));
        // A plain integer (an overdue item's days_left, -760) cannot run as a formula and stays a number.
        foreach (var cell in lines.Skip(1).SelectMany(l => l.Split(',')).Where(c => !long.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r', $"unsafe cell {cell}");
        }
    }

    [Theory]
    [InlineData("/api/clinics/clinic-a/compliance?asOf=03/02/2026", "asOf")]
    [InlineData("/api/clinics/clinic-a/compliance?format=xlsx", "format")]
    [InlineData("/api/clinics/clinic-a/preview?asOf=2026-02-30", "asOf")]
    public async Task ValidationProblemWhenAQueryValueIsWrong(string url, string field)
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await AssertProblemAsync(await hr.GetAsync(url), HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("/api/clinics/nowhere/compliance")]
    [InlineData("/api/clinics/nowhere/preview")]
    public async Task NotFoundWhenTheClinicDoesNotExist(string url)
    {
        using var hr = _app.Hr();
        await AssertProblemAsync(await hr.GetAsync(url), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PreviewsTheMessagesOfTheDay()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        var preview = await JsonAsync(await hr.GetAsync("/api/clinics/clinic-b/preview?asOf=2026-03-02"));

        Assert.Equal("clinic-b", preview.GetProperty("clinicId").GetString());
        Assert.True(preview.GetProperty("businessDay").GetBoolean());
        var kinds = preview.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("kind").GetString()).ToList();
        Assert.Contains("digest", kinds);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
