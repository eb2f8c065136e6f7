using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Functions.Tests.Renewals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceBot.Functions.Tests.Browser;

/// <summary>
/// The loop closed in Chromium: a real reminder .eml from the outbox of a daily run, its link opened, a PDF and a new
/// date sent, the manager approving (or rejecting with a reason) on their page, and the next daily run.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed partial class RenewalBrowserTests(BrowserAppFixture app)
{
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

    [Fact]
    public async Task ARenewalSentFromTheEmailLinkAndApprovedStopsTheRemindersAndARejectedOneEmailsTheReason()
    {
        // Today in the clinic (UTC, open every day) is D; both people's BLS cards run out on D+1, so D's run reminds
        // them (1 day left) and D+1's run would remind them again (due today) unless the renewal was approved.
        var clinic = await SeedClinicAsync();
        var runs = app.Services.GetRequiredService<ReminderRunService>();
        var today = DateOnly.FromDateTime(ReminderRunService.LocalTime(clinic, app.Services.GetRequiredService<TimeProvider>().GetUtcNow()));
        (await runs.RunClinicAsync(clinic, today, RunJob.DailyReminders)).ToString();

        var approvedLink = LinkIn(Single(EmailsTo("ren.approve@example.org")));
        var rejectedLink = LinkIn(Single(EmailsTo("ren.reject@example.org")));

        // The person opens the link, enters the new date and uploads the card.
        await SendRenewalAsync(approvedLink, "ren-approve");
        await SendRenewalAsync(rejectedLink, "ren-reject");

        // The manager signs in, sees both in the queue, approves one and rejects the other with a reason.
        var manager = await app.NewPageAsync();
        await manager.GotoAsync(app.PageAddress.ToString());
        await manager.GetByLabel("API key").FillAsync(BrowserAppFixture.RenewalManagerKey);
        await manager.GetByRole(AriaRole.Button, new() { Name = "Sign in with key" }).ClickAsync();
        var queue = manager.GetByRole(AriaRole.Table, new() { Name = "Renewals waiting for verification, oldest first" });
        await Expect(queue.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(queue).ToContainTextAsync("Robin Approve");
        await app.ScreenshotAsync(manager, "renewal-queue.png");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Approve BLS Provider (AHA) for Robin Approve" }).ClickAsync();
        await Expect(manager.Locator("#queue-status")).ToContainTextAsync("Approved");
        await Expect(queue.Locator("tbody tr")).ToHaveCountAsync(1);
        await manager.Locator("tbody tr", new() { HasText = "Riley Reject" }).GetByLabel("Reason to reject").FillAsync("The expiry date on the photo cannot be read.");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Reject BLS Provider (AHA) for Riley Reject" }).ClickAsync();
        await Expect(manager.Locator("#queue-status")).ToContainTextAsync("Rejected");
        await Expect(manager.Locator("#queue-status")).ToContainTextAsync("Nothing is waiting for verification.", new() { Timeout = 15_000 });

        var rejection = Single(EmailsTo("ren.reject@example.org").Where(e => e.Contains("not accepted", StringComparison.Ordinal)));
        Assert.Contains("The expiry date on the photo cannot be read.", rejection, StringComparison.Ordinal);
        Assert.NotEqual(rejectedLink, LinkIn(rejection));

        // The next daily run: the approved card is current, so no BLS line; the rejected one is due today.
        var before = app.OutboxFiles();
        await runs.RunClinicAsync(clinic, today.AddDays(1), RunJob.DailyReminders);
        var next = app.OutboxFiles().Except(before).Select(Eml.Decoded).ToList();
        Assert.DoesNotContain(next, e => e.Contains("ren.approve@example.org", StringComparison.Ordinal) && e.Contains("BLS Provider", StringComparison.Ordinal));
        Assert.Contains(next, e => e.Contains("ren.reject@example.org", StringComparison.Ordinal) && e.Contains("BLS Provider", StringComparison.Ordinal) && e.Contains("expires today", StringComparison.Ordinal));
    }

    private async Task SendRenewalAsync(string link, string employeeId)
    {
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844); // a phone
        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Update my record" })).ToBeVisibleAsync();
        var item = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "BLS Provider" });
        await Expect(item).ToContainTextAsync("1 day left");
        Assert.DoesNotContain("#", page.Url, StringComparison.Ordinal);
        await item.GetByLabel("Completion or issue date (required)").FillAsync(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

        // A photo over the limit is refused by the page before any byte is sent.
        var posts = 0;
        page.Request += (_, request) => { if (request.Url.EndsWith("/api/renewal", StringComparison.Ordinal) && request.Method == "POST") posts++; };
        await item.GetByLabel("Photo or PDF of the card or certificate (required)").SetInputFilesAsync(new FilePayload { Name = "huge.jpg", MimeType = "image/jpeg", Buffer = new byte[11 * 1024 * 1024] });
        await item.GetByRole(AriaRole.Button, new() { Name = "Send for verification" }).ClickAsync();
        await Expect(item).ToContainTextAsync("This file is 11.0 MB; the most is 10.0 MB.");
        Assert.Equal(0, posts);

        await item.GetByLabel("Photo or PDF of the card or certificate (required)").SetInputFilesAsync(new FilePayload { Name = "bls-card.pdf", MimeType = "application/pdf", Buffer = Pdf });
        await item.GetByRole(AriaRole.Button, new() { Name = "Send for verification" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sent.");
        await Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "BLS Provider" })).ToContainTextAsync("Waiting for verification");
        await app.ScreenshotAsync(page, $"renewal-page-{employeeId}.png");
    }

    private async Task<ComplianceBot.Domain.Model.Clinic> SeedClinicAsync()
    {
        using var hr = app.HrClient();
        var days = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };
        var put = await hr.PutAsJsonAsync($"/api/clinics/{BrowserAppFixture.ClinicRenewals}", new { name = "Renewal Clinic", timeZone = "Etc/UTC", state = "TX", managerEmails = new[] { "manager.renewals@example.org" }, sendHour = 0, businessDays = days });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var clinic = (await app.Services.GetRequiredService<IClinicStore>().GetAsync(BrowserAppFixture.ClinicRenewals))!;
        var today = DateOnly.FromDateTime(ReminderRunService.LocalTime(clinic, app.Services.GetRequiredService<TimeProvider>().GetUtcNow()));
        var roster = "employee_id,first_name,last_name,email,clinic_id,role,hire_date\r\n"
            + "ren-approve,Robin,Approve,ren.approve@example.org,clinic-renewals,medical_assistant,2020-01-06\r\n"
            + "ren-reject,Riley,Reject,ren.reject@example.org,clinic-renewals,medical_assistant,2020-01-06\r\n";
        var expires = today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var issued = today.AddDays(1).AddYears(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var records = "employee_id,credential,issued_on,expires_on\r\n" + $"ren-approve,BLS,{issued},{expires}\r\n" + $"ren-reject,BLS,{issued},{expires}\r\n";
        (await hr.PostAsync("/api/staff/import", new StringContent(roster, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        (await hr.PostAsync("/api/records/import", new StringContent(records, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        return clinic;
    }

    private IEnumerable<string> EmailsTo(string address) =>
        app.OutboxFiles().Select(Eml.Decoded).Where(e => e.Contains("To: ", StringComparison.Ordinal) && e.Contains(address, StringComparison.Ordinal));

    private static string Single(IEnumerable<string> emails) => Assert.Single(emails);

    private static string LinkIn(string email) => RenewLink().Match(email) is { Success: true } m ? m.Value : throw new Xunit.Sdk.XunitException("No renewal link in the email:\n" + email);

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/api/renew/#v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")]
    private static partial Regex RenewLink();
}
