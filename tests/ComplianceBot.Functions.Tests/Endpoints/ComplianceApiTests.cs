using System.Net;
using System.Text;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
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
        Assert.DoesNotContain("credentialNumber", report.GetRawText(), StringComparison.OrdinalIgnoreCase);
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
        Assert.Equal("clinic_id,employee_id,first_name,last_name,role,requirement,credential,status,issued_on,due_on,days_left,date_check,advice", lines[0]);
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
