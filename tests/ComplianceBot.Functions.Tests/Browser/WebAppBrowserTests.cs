using System.Globalization;
using System.Text;
using ComplianceBot.Application.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceBot.Functions.Tests.Browser;

/// <summary>The HR and manager page, driven in Chromium against the app on loopback over Azurite.</summary>
[Collection(BrowserGroup.Name)]
public sealed class WebAppBrowserTests(BrowserAppFixture app)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);

    [Fact]
    public async Task HrSeesRejectedRowsThenManagerSeesImportedStaffWhenRosterHasTwoBadRows()
    {
        var page = await app.SignedInPageAsync(BrowserAppFixture.HrKey);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import staff data" })).ToBeVisibleAsync();

        // HR sees whether any import stopped part-way (GET /api/imports?unfinished=true): none here.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Imports that did not finish" })).ToBeVisibleAsync();
        await Expect(page.Locator("#unfinished-status")).ToHaveTextAsync("Every import of the last 30 days finished.");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Imports that did not finish" })).ToBeHiddenAsync();

        // Dry run of a roster with two bad rows (row 3: email, row 4: role).
        await page.GetByLabel("Roster").CheckAsync();
        await page.GetByLabel("CSV file").SetInputFilesAsync(Csv("roster.csv",
            "employee_id,first_name,last_name,email,clinic_id,role,hire_date",
            "WB-1,Jamie,Rivera,jamie.rivera@example.org,clinic-a,medical_assistant,2024-01-15",
            "WB-2,Pat,Morgan,not-an-email,clinic-a,medical_assistant,2024-01-15",
            "WB-3,Lee,Chen,lee.chen@example.org,clinic-a,surgeon,2024-01-15",
            "WB-4,Ana,Silva,ana.silva@example.org,clinic-a,front_desk,2024-03-01",
            "WB-5,Bo,Berg,bo.berg@example.org,clinic-b,medical_assistant,2024-03-01"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();

        await Expect(page.Locator("#import-status")).ToContainTextAsync("Nothing has been saved yet");
        await Expect(Count(page, "Accepted")).ToHaveTextAsync("3");
        await Expect(Count(page, "Rejected")).ToHaveTextAsync("2");
        var rejected = page.GetByRole(AriaRole.Table, new() { Name = "Rejected rows (2)" });
        await Expect(rejected.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(rejected.Locator("tbody tr").Nth(0)).ToContainTextAsync("3");
        await Expect(rejected.Locator("tbody tr").Nth(0)).ToContainTextAsync("email");
        await Expect(rejected.Locator("tbody tr").Nth(0)).ToContainTextAsync("'not-an-email' is not a valid email address");
        await Expect(rejected.Locator("tbody tr").Nth(1)).ToContainTextAsync("4");
        await Expect(rejected.Locator("tbody tr").Nth(1)).ToContainTextAsync("role");
        await Expect(rejected.Locator("tbody tr").Nth(1)).ToContainTextAsync("'surgeon' is not a role");

        // The errors download is generated in the page: header plus one line per rejected row.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download errors (CSV)" }).ClickAsync());
        var errorsCsv = await File.ReadAllTextAsync(await download.PathAsync(), Encoding.UTF8);
        var lines = errorsCsv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("row,column,reason", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("3,email,", lines[1], StringComparison.Ordinal);

        // Confirm: the same file without dryRun.
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm import of 3 rows" }).ClickAsync();
        await Expect(page.Locator("#import-status")).ToContainTextAsync("Imported roster.csv (roster): 3 created");
        await Expect(Count(page, "Created")).ToHaveTextAsync("3");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm import of 3 rows" })).ToBeHiddenAsync();
        await Expect(page.Locator("#import-changes summary")).ToHaveTextAsync(["Created: 3"]);

        // The result as a spreadsheet, built in the page: who was created and which rows were rejected, in file order.
        var resultDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV of the import result" }).ClickAsync());
        Assert.Equal("roster-result.csv", resultDownload.SuggestedFilename);
        var resultLines = (await File.ReadAllTextAsync(await resultDownload.PathAsync(), Encoding.UTF8)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, resultLines.Length);
        Assert.Equal("outcome,employee_id,credential,clinic,row,field,reason", resultLines[0]);
        Assert.Equal("created,WB-1,,clinic-a,2,,", resultLines[1]);
        Assert.StartsWith("rejected,,,,3,email,'not-an-email' is not a valid email address", resultLines[2], StringComparison.Ordinal);
        Assert.StartsWith("rejected,,,,4,role,\"'surgeon' is not a role", resultLines[3], StringComparison.Ordinal);
        Assert.Equal("created,WB-4,,clinic-a,5,,", resultLines[4]);
        Assert.Equal("created,WB-5,,clinic-b,6,,", resultLines[5]);

        // A check of a roster that puts Bo into clinic-a names the move (nothing is saved).
        await page.GetByLabel("CSV file").SetInputFilesAsync(Csv("move.csv",
            "employee_id,first_name,last_name,email,clinic_id,role,hire_date",
            "WB-5,Bo,Berg,bo.berg@example.org,clinic-a,medical_assistant,2024-03-01"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        var moves = page.Locator("#import-changes details").Filter(new() { Has = page.Locator("summary", new() { HasTextString = "Would move to another clinic: 1" }) });
        await moves.Locator("summary").ClickAsync();
        await Expect(moves.Locator("li")).ToHaveTextAsync(["WB-5: from clinic-b to clinic-a (row 2)"]);

        // Then training records: Jamie's BLS long expired, Ana's HIPAA fresh.
        await page.GetByLabel("Training records").CheckAsync();
        await page.GetByLabel("CSV file").SetInputFilesAsync(Csv("records.csv",
            "employee_id,credential,issued_on",
            $"WB-1,BLS,{Iso(Today.AddYears(-3))}",
            $"WB-4,HIPAA,{Iso(Today.AddDays(-30))}"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Expect(Count(page, "Accepted")).ToHaveTextAsync("2");
        await Expect(page.Locator("#rejected")).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm import of 2 rows" }).ClickAsync();
        await Expect(page.Locator("#import-status")).ToContainTextAsync("Imported records.csv (training records): 2 created");
        await app.ScreenshotAsync(page, "hr-import.png");
        await page.Context.CloseAsync();

        // The manager of clinic-a now sees the new staff with their statuses.
        var manager = await app.SignedInPageAsync(BrowserAppFixture.ManagerKey);
        var table = manager.GetByRole(AriaRole.Table, new() { Name = $"{BrowserAppFixture.ClinicAName}: compliance as of" });
        await Expect(StaffRow(table, "Jamie Rivera")).ToContainTextAsync("expired");
        await Expect(StaffRow(table, "Jamie Rivera")).ToContainTextAsync("missing");
        await Expect(StaffRow(table, "Ana Silva")).ToContainTextAsync("current");
        await Expect(StaffRow(table, "Bo Berg")).ToHaveCountAsync(0);
        await manager.Context.CloseAsync();
    }

    [Fact]
    public async Task ManagerSeesOnlyOwnClinicWhenSignedInWithManagerKey()
    {
        await SeedAsync();
        // Kim's hire date as an old HR export wrote "none", stored before imports refused it.
        var store = app.Services.GetRequiredService<IStaffStore>();
        await store.UpsertManyAsync([(await store.GetAsync("MG-2"))! with { HireDate = new DateOnly(9999, 12, 31) }]);
        var page = await app.SignedInPageAsync(BrowserAppFixture.ManagerKey);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import staff data" })).ToBeHiddenAsync();
        var clinic = page.GetByLabel("Clinic", new() { Exact = true });
        await Expect(clinic.Locator("option")).ToHaveTextAsync([BrowserAppFixture.ClinicAName]);

        var table = page.GetByRole(AriaRole.Table, new() { Name = $"{BrowserAppFixture.ClinicAName}: compliance as of" });
        await Expect(table.GetByRole(AriaRole.Columnheader, new() { Name = "BLS (AHA or Red Cross)" })).ToBeVisibleAsync();
        await Expect(StaffRow(table, "Morgan Price")).ToContainTextAsync("expired");
        await Expect(StaffRow(table, "Kim Osei")).ToContainTextAsync("current");
        await Expect(table).Not.ToContainTextAsync("Remy Hart");
        await Expect(StaffRow(table, "Morgan Price")).ToContainTextAsync("No. •••••2917");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Dates to correct" }).Locator("li")).ToHaveTextAsync(["Kim Osei (MG-2): hire date 9999-12-31"]);

        // "Needs action only" hides the person whose requirements are all current.
        await page.GetByLabel("Needs action only").CheckAsync();
        await Expect(StaffRow(table, "Kim Osei")).ToBeHiddenAsync();
        await Expect(StaffRow(table, "Morgan Price")).ToBeVisibleAsync();
        await page.GetByLabel("Needs action only").UncheckAsync();

        // The page's own credentials cannot read the other clinic: 404, as if it did not exist.
        var status = await page.EvaluateAsync<int>(
            "async () => (await fetch('/api/clinics/clinic-b/compliance', { headers: { 'X-Api-Key': sessionStorage.getItem('compliancebot.apiKey') } })).status");
        Assert.Equal(404, status);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download surveyor report (CSV)" }).ClickAsync());
        Assert.StartsWith($"compliance-{BrowserAppFixture.ClinicA}-", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Contains("Morgan", await File.ReadAllTextAsync(await download.PathAsync()), StringComparison.Ordinal);
        await app.ScreenshotAsync(page, "manager-compliance.png");

        await page.GetByLabel("Date", new() { Exact = true }).FillAsync(Iso(NextMonday(Today)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview emails" }).ClickAsync();
        await Expect(page.Locator("#preview-status")).ToContainTextAsync("email(s) on");
        await Expect(page.Locator("#preview-result article").First).ToBeVisibleAsync();
        await Expect(page.Locator("#preview-result")).ToContainTextAsync("Morgan Price");
        await app.ScreenshotAsync(page, "manager-preview.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ImportControlsAreReachableByKeyboardWhenSignedInAsHr()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync(app.PageAddress.ToString());

        // The key form: labelled field, Enter submits; a wrong key says so and is not kept.
        var key = page.GetByLabel("API key");
        await key.FillAsync("not-a-valid-key-000000000000000000000000000");
        await key.PressAsync("Enter");
        await Expect(page.Locator("#signin-msg")).ToHaveTextAsync("That API key was not accepted. Check it and try again.");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('compliancebot.apiKey')"));
        await key.FocusAsync();
        await Expect(key).ToBeFocusedAsync();
        await key.FillAsync(BrowserAppFixture.HrKey);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import staff data" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveCountAsync(1);

        // From the top of the page, Tab reaches the file input and then the check button.
        await page.Locator("body").FocusAsync();
        var file = page.GetByLabel("CSV file");
        var check = page.GetByRole(AriaRole.Button, new() { Name = "Check file" });
        Assert.True(await TabUntilFocusedAsync(page, file, 15), "Tab never reached the CSV file input.");
        Assert.True(await TabUntilFocusedAsync(page, check, 3), "Tab never reached the Check file button after the file input.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Download surveyor report (CSV)" })).ToBeVisibleAsync();
        Assert.True(await TabUntilFocusedAsync(page, page.GetByLabel("Clinic", new() { Exact = true }), 10), "Tab never reached the clinic select.");
        Assert.True(await TabUntilFocusedAsync(page, page.GetByLabel("Needs action only"), 3), "Tab never reached the filter.");
        Assert.True(await TabUntilFocusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Download surveyor report (CSV)" }), 3), "Tab never reached the report button.");

        // A keyboard user can run the dry run: choose the file, Tab to the button, press Enter.
        await file.SetInputFilesAsync(Csv("empty-rows.csv", "employee_id,first_name,last_name,email,clinic_id,role", "X-1,,,x@example.org,clinic-a,front_desk"));
        await check.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Rejected rows (1)" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No row was accepted");

        // Cells the errors CSV writes are neutralised against spreadsheet formulas.
        var cell = await page.EvaluateAsync<string>("async () => (await import('/api/app/app.js')).csvCell('=HYPERLINK(\"x\")')");
        Assert.Equal("\"'=HYPERLINK(\"\"x\"\")\"", cell);
        await page.Context.CloseAsync();
    }

    /// <summary>Staff of the manager test, imported through the API (the HR page is tested above).</summary>
    private async Task SeedAsync()
    {
        using var hr = app.HrClient();
        await PostCsvAsync(hr, "/api/staff/import", string.Join("\r\n",
            "employee_id,first_name,last_name,email,clinic_id,role,hire_date",
            "MG-1,Morgan,Price,morgan.price@example.org,clinic-a,medical_assistant,2023-05-01",
            "MG-2,Kim,Osei,kim.osei@example.org,clinic-a,front_desk,2023-05-01",
            "MG-3,Remy,Hart,remy.hart@example.org,clinic-b,front_desk,2023-05-01"));
        await PostCsvAsync(hr, "/api/records/import", string.Join("\r\n",
            "employee_id,credential,issued_on,credential_number",
            $"MG-1,BLS,{Iso(Today.AddYears(-3))},BLS-0042917",
            $"MG-2,HIPAA,{Iso(Today.AddDays(-10))},",
            $"MG-2,TB_EDUCATION,{Iso(Today.AddDays(-10))},",
            $"MG-3,HIPAA,{Iso(Today.AddDays(-10))},"));
    }

    private static async Task PostCsvAsync(HttpClient client, string path, string csv)
    {
        using var content = new StringContent(csv + "\r\n", Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync(path, content);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<bool> TabUntilFocusedAsync(IPage page, ILocator target, int maxTabs)
    {
        for (var i = 0; i < maxTabs; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("el => el === document.activeElement")) return true;
        }

        return false;
    }

    private static ILocator Count(IPage page, string label) =>
        page.Locator("#import-counts div").Filter(new() { Has = page.Locator("dt", new() { HasTextString = label }) }).Locator("dd");

    private static ILocator StaffRow(ILocator table, string name) =>
        table.Locator("tbody tr").Filter(new() { Has = table.Page.GetByRole(AriaRole.Rowheader, new() { Name = name }) });

    private static FilePayload Csv(string name, params string[] lines) => new()
    {
        Name = name,
        MimeType = "text/csv",
        Buffer = Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n"),
    };

    /// <summary>A business day of the clinics (Monday to Friday), so reminders are due.</summary>
    private static DateOnly NextMonday(DateOnly date)
    {
        var days = ((int)DayOfWeek.Monday - (int)date.DayOfWeek + 7) % 7;
        return date.AddDays(days == 0 ? 7 : days);
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
