using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceBot.Application.Ports;
using ComplianceBot.Domain.Model;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ComplianceBot.Functions.Tests.Renewals.RenewalSupport;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Renewals;

[Collection(AzuriteGroup.Name)]
public sealed class VerificationApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    private async Task<string> SubmitA1HipaaAsync(string? expiresOn = null)
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        var sent = await JsonAsync(await a1.PostAsync("/api/renewal", Form(Pdf, issuedOn: "2026-02-27", expiresOn: expiresOn, number: "HIP-123456")), HttpStatusCode.Created);
        return sent.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task TheClinicsManagerSeesThePendingRenewalWithItsDatesAndFileAndOtherClinicsDoNot()
    {
        var id = await SubmitA1HipaaAsync(expiresOn: "2027-06-30");
        using var managerA = _app.ManagerA();
        using var managerB = _app.ManagerB();

        var queue = await JsonAsync(await managerA.GetAsync("/api/clinics/clinic-a/submissions"));

        var entry = Assert.Single(queue.EnumerateArray());
        Assert.Equal(id, entry.GetProperty("id").GetString());
        Assert.Equal("a1", entry.GetProperty("employeeId").GetString());
        Assert.Equal("2026-02-27", entry.GetProperty("issuedOn").GetString());
        Assert.Equal("2027-06-30", entry.GetProperty("dueOn").GetString());
        Assert.Equal("2027-02-27", entry.GetProperty("computedDueOn").GetString());
        Assert.True(entry.GetProperty("dateCheck").GetBoolean());
        Assert.Equal("•••••3456", entry.GetProperty("credentialNumberMasked").GetString());
        await AssertProblemAsync(await managerB.GetAsync("/api/clinics/clinic-a/submissions"), HttpStatusCode.NotFound);

        var file = await managerA.GetAsync(entry.GetProperty("fileUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(Pdf, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", file.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", string.Join(",", file.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("application/pdf", file.Content.Headers.ContentType?.MediaType);
        await AssertProblemAsync(await managerB.GetAsync(entry.GetProperty("fileUrl").GetString()), HttpStatusCode.NotFound);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        await AssertProblemAsync(await a1.GetAsync(entry.GetProperty("fileUrl").GetString()), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task WhilePendingTheItemsRemindersPauseAndTheDigestListsItAsAwaitingVerification()
    {
        await SubmitA1HipaaAsync();

        (await _app.FireAsync(TimerFunctions.DailyReminders)).EnsureSucceeded();
        (await _app.FireAsync(TimerFunctions.WeeklyDigest)).EnsureSucceeded();

        Assert.DoesNotContain(Eml.To(_app, "a1@example.org"), text => text.Contains("HIPAA", StringComparison.Ordinal));
        var digest = Assert.Single(Eml.To(_app, TestData.ManagerAEmail), text => text.Contains("Weekly", StringComparison.Ordinal));
        Assert.Contains("Awaiting verification (1)", digest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutASubmissionTheSameRunRemindsThePerson()
    {
        await SeedAsync(_app);

        (await _app.FireAsync(TimerFunctions.DailyReminders)).EnsureSucceeded();

        var reminder = Assert.Single(Eml.To(_app, "a1@example.org"));
        Assert.Contains("HIPAA", reminder, StringComparison.Ordinal);
        Assert.Contains("http://localhost/api/renew/#v1.", reminder, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/calendar", reminder, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalMakesTheRecordCurrentAndVerifiedStopsTheRemindersAndCannotBeRepeatedOrReopened()
    {
        var id = await SubmitA1HipaaAsync();
        using var managerA = _app.ManagerA();

        var approved = await JsonAsync(await managerA.PostAsync($"/api/clinics/clinic-a/submissions/{id}/approve", null));
        var again = await managerA.PostAsync($"/api/clinics/clinic-a/submissions/{id}/approve", null);
        var rejectAfter = await managerA.PostAsJsonAsync($"/api/clinics/clinic-a/submissions/{id}/reject", new { reason = "late" });

        Assert.Equal("approved", approved.GetProperty("state").GetString());
        await AssertProblemAsync(again, HttpStatusCode.Conflict);
        await AssertProblemAsync(rejectAfter, HttpStatusCode.Conflict);
        var record = Assert.Single(await _app.Services.GetRequiredService<ICredentialRecordStore>().ListByStaffAsync(TestData.ClinicA, "a1"), r => r.CredentialCode == "HIPAA");
        Assert.Equal((new DateOnly(2026, 2, 27), "self-service", true, "apikey:manager-a"), (record.IssuedOn, record.Source, record.Verified, record.VerifiedBy));
        Assert.NotNull(record.Evidence);
        Assert.Single(await AuditAsync(_app), r => r.Action == "renewal.approve" && r.Actor == "apikey:manager-a" && r.Target == "a1/HIPAA");

        // The link used again shows the item verified, and cannot send it again.
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        var page = await JsonAsync(await a1.GetAsync("/api/renewal"));
        var hipaa = Assert.Single(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.Equal(("current", "approved"), (hipaa.GetProperty("state").GetString(), hipaa.GetProperty("submission").GetProperty("state").GetString()));
        await AssertProblemAsync(await a1.PostAsync("/api/renewal", Form(Pdf)), HttpStatusCode.Conflict);
        Assert.Equal(SubmissionState.Approved, Assert.Single(await SubmissionsAsync(_app)).State);

        (await _app.FireAsync(TimerFunctions.DailyReminders)).EnsureSucceeded();
        Assert.DoesNotContain(Eml.To(_app, "a1@example.org"), text => text.Contains("HIPAA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RejectionEmailsThePersonTheReasonWithAFreshLinkAndTheRemindersGoOn()
    {
        var id = await SubmitA1HipaaAsync();
        using var managerA = _app.ManagerA();

        await AssertProblemAsync(await managerA.PostAsJsonAsync($"/api/clinics/clinic-a/submissions/{id}/reject", new { reason = "" }), HttpStatusCode.BadRequest, "reason");
        await AssertProblemAsync(await managerA.PostAsJsonAsync($"/api/clinics/clinic-a/submissions/{id}/reject", new { reason = "two\nlines" }), HttpStatusCode.BadRequest, "reason");
        var rejected = await JsonAsync(await managerA.PostAsJsonAsync($"/api/clinics/clinic-a/submissions/{id}/reject", new { reason = "The photo is blurred; the date cannot be read." }));

        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        var email = Assert.Single(Eml.To(_app, "a1@example.org"));
        Assert.Contains("The photo is blurred; the date cannot be read.", email, StringComparison.Ordinal);
        Assert.Contains("http://localhost/api/renew/#v1.", email, StringComparison.Ordinal);
        Assert.Single(await AuditAsync(_app), r => r.Action == "renewal.reject" && r.Target == "a1/HIPAA");
        Assert.Empty(JsonSerializer.Deserialize<JsonElement[]>(await managerA.GetStringAsync("/api/clinics/clinic-a/submissions"))!);

        (await _app.FireAsync(TimerFunctions.DailyReminders)).EnsureSucceeded();
        Assert.Contains(Eml.To(_app, "a1@example.org"), text => text.Contains("Credentials due", StringComparison.Ordinal) && text.Contains("HIPAA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownOrMalformedSubmissionIsNotFound()
    {
        await SeedAsync(_app);
        using var hr = _app.Hr();

        await AssertProblemAsync(await hr.PostAsync("/api/clinics/clinic-a/submissions/0000/approve", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await hr.GetAsync("/api/clinics/clinic-a/submissions/..%2F..%2Fx/file"), HttpStatusCode.NotFound);
    }
}
