using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceBot.Functions.Tests.Browser;

/// <summary>Certificate files in the clinic compliance table: HR attaches one from the page, HR and managers download it.</summary>
[Collection(BrowserGroup.Name)]
public sealed class CertificateBrowserTests(BrowserAppFixture app)
{
    private const string Bls = "BLS (AHA or Red Cross)";
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);

    [Fact]
    public async Task HrAttachesAPdfToABlsRecordAndTheTableThenLinksTheCertificateThatDownloadsTheSameBytes()
    {
        await SeedAsync("CF-1", "Ada", "Quinn");
        var page = await app.SignedInPageAsync(BrowserAppFixture.HrKey);
        await ShowClinicAAsync(page);
        var certificate = page.GetByRole(AriaRole.Link, new() { Name = $"Certificate of Ada Quinn, {Bls}" });
        var attach = page.GetByRole(AriaRole.Button, new() { Name = $"Attach a certificate file to Ada Quinn, {Bls}" });
        await Expect(attach).ToBeVisibleAsync();
        await Expect(certificate).ToHaveCountAsync(0);

        // A file whose bytes are HTML is refused whatever its name, and the page says why in the API's words.
        var refused = await page.RunAndWaitForFileChooserAsync(() => attach.ClickAsync());
        await refused.SetFilesAsync(new FilePayload { Name = "card.pdf", MimeType = "application/pdf", Buffer = "<html><script>alert(1)</script></html>"u8.ToArray() });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This file cannot be used");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("JPEG or PNG");
        await Expect(page.Locator("#compliance-status")).ToHaveTextAsync("card.pdf was not attached.");
        await Expect(certificate).ToHaveCountAsync(0);

        // Keyboard: Enter on the attach button opens the file chooser.
        await attach.FocusAsync();
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Keyboard.PressAsync("Enter"));
        await chooser.SetFilesAsync(new FilePayload { Name = "bls-card.pdf", MimeType = "application/pdf", Buffer = Pdf });
        await Expect(page.Locator("#compliance-status")).ToHaveTextAsync($"Attached bls-card.pdf to Ada Quinn, {Bls}.");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await Expect(certificate).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Attach a certificate file to Ada Quinn, {Bls}" })).ToHaveTextAsync("Replace file");

        var (bytes, response) = await DownloadAsync(page, certificate, "CF-1");
        Assert.Equal(Pdf, bytes);
        Assert.StartsWith("attachment", await response.HeaderValueAsync("content-disposition"), StringComparison.Ordinal);
        Assert.Equal("nosniff", await response.HeaderValueAsync("x-content-type-options"));
        await app.ScreenshotAsync(page, "hr-certificate.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ManagerSeesAndDownloadsTheCertificateButHasNoControlToAttachOne()
    {
        await SeedAsync("CF-2", "Noor", "Patel");
        using (var hr = app.HrClient())
        using (var content = new ByteArrayContent(Pdf))
        {
            using var put = await hr.PutAsync("/api/staff/CF-2/credentials/BLS/file", content);
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }

        var page = await app.SignedInPageAsync(BrowserAppFixture.ManagerKey);
        var certificate = page.GetByRole(AriaRole.Link, new() { Name = $"Certificate of Noor Patel, {Bls}" });
        await Expect(certificate).ToBeVisibleAsync();
        await Expect(page.Locator("#compliance-table button")).ToHaveCountAsync(0);

        var (bytes, _) = await DownloadAsync(page, certificate, "CF-2");
        Assert.Equal(Pdf, bytes);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AFileOverTheLimitIsRefusedOnThePageBeforeAByteIsSent()
    {
        await SeedAsync("CF-3", "Lin", "Okafor");
        var page = await app.SignedInPageAsync(BrowserAppFixture.HrKey);
        var uploads = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method is "PUT" or "POST") uploads.Add($"{request.Method} {request.Url}");
        };
        var tooLarge = new byte[12 * 1024 * 1024]; // over the default limits (10 MB each)

        // A certificate file: said at once, with its size and the limit; the record stays without a file.
        await ShowClinicAAsync(page);
        var attach = page.GetByRole(AriaRole.Button, new() { Name = $"Attach a certificate file to Lin Okafor, {Bls}" });
        var chooser = await page.RunAndWaitForFileChooserAsync(() => attach.ClickAsync());
        await chooser.SetFilesAsync(new FilePayload { Name = "scan.pdf", MimeType = "application/pdf", Buffer = tooLarge });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("scan.pdf is too large to send.");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This certificate file is 12.0 MB, over the limit of 10.0 MB. Nothing was sent.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"Certificate of Lin Okafor, {Bls}" })).ToHaveCountAsync(0);

        // An import file, checked the same way before the dry run would send it.
        await page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "roster.csv", MimeType = "text/csv", Buffer = tooLarge });
        await page.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("roster.csv is too large to send.");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This file is 12.0 MB, over the limit of 10.0 MB.");

        Assert.Empty(uploads);
        await page.Context.CloseAsync();
    }

    /// <summary>Shows clinic A's table once the page has loaded one (choosing the clinic already shown would load it again under the test's hands).</summary>
    private static async Task ShowClinicAAsync(IPage page)
    {
        var clinic = page.GetByLabel("Clinic", new() { Exact = true });
        await Expect(page.Locator("#compliance-status")).ToContainTextAsync("staff");
        if (await clinic.InputValueAsync() != BrowserAppFixture.ClinicA) await clinic.SelectOptionAsync(BrowserAppFixture.ClinicA);
    }

    /// <summary>Clicks the link and returns the saved file's bytes and the API response the page fetched them from.</summary>
    private static async Task<(byte[] Bytes, IResponse Response)> DownloadAsync(IPage page, ILocator link, string employeeId)
    {
        var responseTask = page.WaitForResponseAsync(r => r.Url.EndsWith($"/api/staff/{employeeId}/credentials/BLS/file", StringComparison.Ordinal));
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var response = await responseTask;
        Assert.Equal(200, response.Status);
        Assert.Equal($"{employeeId}-BLS.pdf", download.SuggestedFilename);
        return (await File.ReadAllBytesAsync(await download.PathAsync()), response);
    }

    /// <summary>One medical assistant of clinic A with a BLS record and no file yet.</summary>
    private async Task SeedAsync(string employeeId, string firstName, string lastName)
    {
        using var hr = app.HrClient();
        await PostCsvAsync(hr, "/api/staff/import",
            "employee_id,first_name,last_name,email,clinic_id,role,hire_date",
            $"{employeeId},{firstName},{lastName},{employeeId.ToLowerInvariant()}@example.org,{BrowserAppFixture.ClinicA},medical_assistant,2023-05-01");
        await PostCsvAsync(hr, "/api/records/import",
            "employee_id,credential,issued_on",
            $"{employeeId},BLS,{Today.AddYears(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
    }

    private static async Task PostCsvAsync(HttpClient client, string path, params string[] lines)
    {
        using var content = new StringContent(string.Join("\r\n", lines) + "\r\n", Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync(path, content);
        response.EnsureSuccessStatusCode();
    }
}
