using System.Net;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Renewals.RenewalSupport;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Renewals;

[Collection(AzuriteGroup.Name)]
public sealed class EvidenceApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task AfterApprovalTheReportSaysEvidenceIsOnFileWhoVerifiedItAndLinksTheFileForManagersOnly()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        var id = (await JsonAsync(await a1.PostAsync("/api/renewal", Form(Pdf, issuedOn: "2026-02-27")), HttpStatusCode.Created)).GetProperty("id").GetString();
        using var managerA = _app.ManagerA();
        await JsonAsync(await managerA.PostAsync($"/api/clinics/clinic-a/submissions/{id}/approve", null));

        var report = await JsonAsync(await managerA.GetAsync("/api/clinics/clinic-a/compliance"));
        var csv = await managerA.GetStringAsync("/api/clinics/clinic-a/compliance?format=csv");

        var a1Hipaa = report.GetProperty("staff").EnumerateArray()
            .Single(s => s.GetProperty("staff").GetProperty("employeeId").GetString() == "a1")
            .GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.True(a1Hipaa.GetProperty("evidenceOnFile").GetBoolean());
        Assert.Equal("apikey:manager-a", a1Hipaa.GetProperty("verifiedBy").GetString());
        var url = a1Hipaa.GetProperty("evidenceUrl").GetString();
        Assert.Equal("/api/staff/a1/credentials/HIPAA/file", url);
        Assert.Contains(csv.Split('\n'), line => line.StartsWith("clinic-a,a1,", StringComparison.Ordinal) && line.Contains("HIPAA", StringComparison.Ordinal) && line.Contains(",yes,apikey:manager-a,2026-03-02", StringComparison.Ordinal));
        Assert.Contains(csv.Split('\n'), line => line.StartsWith("clinic-a,a2,", StringComparison.Ordinal) && line.Contains("HIPAA", StringComparison.Ordinal) && line.TrimEnd('\r').EndsWith(",no,,", StringComparison.Ordinal));

        var file = await managerA.GetAsync(url);
        Assert.Equal(Pdf, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", file.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", string.Join(",", file.Headers.GetValues("X-Content-Type-Options")));
        using var managerB = _app.ManagerB();
        await AssertProblemAsync(await managerB.GetAsync(url), HttpStatusCode.NotFound);
        await AssertProblemAsync(await a1.GetAsync(url), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task HrAttachesAFileToAnyRecordAndTheEarlierFileStaysInStorage()
    {
        await SeedAsync(_app);
        using var hr = _app.Hr();
        using var managerA = _app.ManagerA();

        Assert.Equal(HttpStatusCode.NoContent, (await hr.PutAsync("/api/staff/a2/credentials/HIPAA/file", new ByteArrayContent(Pdf))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await hr.PutAsync("/api/staff/a2/credentials/HIPAA/file", new ByteArrayContent(Png))).StatusCode);

        var file = await managerA.GetAsync("/api/staff/a2/credentials/HIPAA/file");
        Assert.Equal(Png, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, (await BlobNamesAsync(azurite, _app)).Count);
        Assert.Equal(2, (await AuditAsync(_app)).Count(r => r.Action == "evidence.attach" && r.Target == "a2/HIPAA"));
    }

    [Fact]
    public async Task AttachingIsForHrOnlyNeedsARecordAndRefusesScript()
    {
        await SeedAsync(_app);
        using var hr = _app.Hr();
        using var managerA = _app.ManagerA();

        await AssertProblemAsync(await managerA.PutAsync("/api/staff/a2/credentials/HIPAA/file", new ByteArrayContent(Pdf)), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await hr.PutAsync("/api/staff/a2/credentials/HIPAA/file", new ByteArrayContent("<script>alert(1)</script>"u8.ToArray())), HttpStatusCode.UnsupportedMediaType);
        await AssertProblemAsync(await hr.PutAsync("/api/staff/a2/credentials/BLS/file", new ByteArrayContent(Pdf)), HttpStatusCode.Conflict);
        await AssertProblemAsync(await hr.PutAsync("/api/staff/a2/credentials/HIPAA/file", new ByteArrayContent(new byte[11 * 1024 * 1024])), HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(await managerA.GetAsync("/api/staff/a2/credentials/HIPAA/file"), HttpStatusCode.NotFound);
        Assert.Empty(await BlobNamesAsync(azurite, _app));
    }
}
