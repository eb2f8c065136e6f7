using System.Net.Http.Json;
using ComplianceBot.Functions.Security;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ComplianceBot.Functions.Tests.Browser;

/// <summary>
/// The Functions app on a real loopback port (Kestrel, not TestServer, so a browser can reach it) over
/// Azurite, with two seeded clinics and Debian's Chromium driven by Playwright. Never downloads a browser.
/// </summary>
public sealed class BrowserAppFixture : IAsyncLifetime, IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string HrKey = "browser-hr-key-00000000000000000000000001";
    public const string ManagerKey = "browser-manager-key-000000000000000000002";

    /// <summary>The manager of <see cref="ClinicRenewals"/>, the clinic of the renewal end-to-end test.</summary>
    public const string RenewalManagerKey = "browser-manager-key-000000000000000000003";
    public const string ClinicRenewals = "clinic-renewals";
    public const string ClinicA = "clinic-a";
    public const string ClinicB = "clinic-b";
    public const string ClinicAName = "Lakeside Family Clinic";
    public const string ClinicBName = "Hilltop Pediatrics";

    private readonly AzuriteFixture _azurite = new();
    private readonly string _outboxPath = Path.Combine(Path.GetTempPath(), "compliancebot-browser", Guid.NewGuid().ToString("N"));
    private BrowserApp? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The app's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public Uri PageAddress => new(BaseAddress, "/api/app/");

    /// <summary>The app's services, to put rows into storage that no import would accept any more.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Where the screenshots go: <c>artifacts/screenshots/</c> at the repository root.</summary>
    public string ScreenshotDirectory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing. Install Debian's chromium: sudo apt-get install -y chromium (CI's .ci/run does this)");
        }

        ScreenshotDirectory = Path.Combine(AzuriteFixture.FindRepoRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(ScreenshotDirectory);

        // The port is chosen first: the reminders' renewal links carry the app's address.
        var port = FreeLoopbackPort();
        _app = new BrowserApp(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Renewal:SigningKey"] = "browser-renewal-signing-key-000000000000001",
            ["Renewal:PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Storage:EvidenceContainer"] = "browser-evidence",
            ["Auth:ApiKeys:2:Name"] = "mgr-renewals",
            ["Auth:ApiKeys:2:Key"] = RenewalManagerKey,
            ["Auth:ApiKeys:2:Role"] = Roles.Manager,
            ["Auth:ApiKeys:2:Clinics"] = ClinicRenewals,
            ["Storage:ConnectionString"] = _azurite.ConnectionString,
            ["Storage:TablePrefix"] = _azurite.NewTablePrefix("web"),
            ["Email:FromAddress"] = "compliance@example.org",
            ["Email:OutboxPath"] = _outboxPath,
            ["LocalHost:RunTimers"] = "false",
            ["Auth:ApiKeys:0:Name"] = "hr",
            ["Auth:ApiKeys:0:Key"] = HrKey,
            ["Auth:ApiKeys:0:Role"] = Roles.Hr,
            ["Auth:ApiKeys:1:Name"] = "mgr",
            ["Auth:ApiKeys:1:Key"] = ManagerKey,
            ["Auth:ApiKeys:1:Role"] = Roles.Manager,
            ["Auth:ApiKeys:1:Clinics"] = ClinicA,
        });
        _app.UseKestrel(port);
        _app.StartServer();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        BaseAddress = new Uri(addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");

        using (var hr = HrClient())
        {
            await PutClinicAsync(hr, ClinicA, ClinicAName, "manager.a@example.org");
            await PutClinicAsync(hr, ClinicB, ClinicBName, "manager.b@example.org");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public string OutboxPath => _outboxPath;

    /// <summary>The .eml files the outbox sender wrote.</summary>
    public IReadOnlyList<string> OutboxFiles() =>
        Directory.Exists(_outboxPath) ? Directory.GetFiles(_outboxPath, "*.eml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList() : [];

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A plain HTTP client for the real port, presenting the HR key.</summary>
    public HttpClient HrClient() => KeyClient(HrKey);

    public HttpClient KeyClient(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null) client.DefaultRequestHeaders.Add(CallerAuthentication.ApiKeyHeader, key);
        return client;
    }

    /// <summary>A fresh page of the web app, signed in with <paramref name="key"/> (the page shows "Sign out").</summary>
    public async Task<IPage> SignedInPageAsync(string key)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(PageAddress.ToString());
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>A fresh browser context (own session storage and downloads) with one page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public Task ScreenshotAsync(IPage page, string fileName)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, fileName), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _browser = null;
        _playwright?.Dispose();
        _playwright = null;
        if (_app is not null) await _app.DisposeAsync();
        _app = null;
        Dispose();
    }

    /// <summary>Stops the app and Azurite; safe to call more than once.</summary>
    public void Dispose()
    {
        _app?.Dispose();
        _app = null;
        _azurite.Dispose();
        if (Directory.Exists(_outboxPath)) Directory.Delete(_outboxPath, recursive: true);
    }

    private static async Task PutClinicAsync(HttpClient hr, string id, string name, string manager)
    {
        var body = new { name, timeZone = "America/Chicago", state = "TX", managerEmails = new[] { manager }, sendHour = 8 };
        using var response = await hr.PutAsJsonAsync($"/api/clinics/{id}", body);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The app with the fixture's settings; the timers never fire by themselves.</summary>
    private sealed class BrowserApp(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}

/// <summary>The browser tests share one app, one Azurite and one Chromium.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserGroup : ICollectionFixture<BrowserAppFixture>
{
    public const string Name = "Web page in Chromium";
}
