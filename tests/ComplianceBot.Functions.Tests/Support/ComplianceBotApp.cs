using System.Net.Http.Headers;
using System.Net.Http.Json;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using ComplianceBot.LocalHost;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComplianceBot.Functions.Tests.Support;

/// <summary>One Azurite for every test class of the collection; each app gets its own table prefix.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Functions app over Azurite";
}

/// <summary>
/// The Functions app in memory (TestServer) over a real Azurite: unique tables per instance, the
/// outbox (or a fake SendGrid when given) for email, a fake clock, and three API keys: HR, a manager
/// of clinic-a and a manager of clinic-b. The timers never fire by themselves.
/// </summary>
public class ComplianceBotApp : WebApplicationFactory<Program>
{
    public const string HrKey = "hr-key-0000000000000000000000000000000001";
    public const string ManagerAKey = "manager-a-key-000000000000000000000000002";
    public const string ManagerBKey = "manager-b-key-000000000000000000000000003";
    public const string RenewalSigningKey = "renewal-signing-key-00000000000000000000004";

    /// <summary>Each app's own blob container, so a test that lists the files finds only its own.</summary>
    public static string EvidenceContainerFor(string tablePrefix) => ("ev" + tablePrefix).ToLowerInvariant();

    /// <summary>Monday 2 March 2026, 14:05 UTC: 08:05 in Chicago, 09:05 in New York (both before DST starts).</summary>
    public static readonly DateTimeOffset MondayAtSendHour = new(2026, 3, 2, 14, 5, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings;

    private readonly bool _platformAuthentication;

    /// <param name="platformAuthentication">
    /// Stand in for App Service Authentication: trust X-MS-CLIENT-PRINCIPAL as the worker does in Azure when the
    /// platform turned it on (the local host itself never does).
    /// </param>
    public ComplianceBotApp(AzuriteFixture azurite, IReadOnlyDictionary<string, string?>? overrides = null, DateTimeOffset? now = null, bool platformAuthentication = false)
    {
        _platformAuthentication = platformAuthentication;
        ArgumentNullException.ThrowIfNull(azurite);
        Clock = new ManualTimeProvider(now ?? MondayAtSendHour);
        TablePrefix = azurite.NewTablePrefix("fn");
        OutboxPath = Path.Combine(Path.GetTempPath(), "compliancebot-tests", TablePrefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        _settings = Settings(azurite, TablePrefix, OutboxPath, overrides);
    }

    /// <summary>
    /// Starts the app as Program does (not through WebApplicationFactory, whose deferred host can be
    /// disposed under a start-up that throws and then reports an ObjectDisposedException instead) with
    /// these settings over the usual ones, and returns the <typeparamref name="T"/> start-up threw.
    /// </summary>
    public static async Task<T> StartupFailureAsync<T>(AzuriteFixture azurite, IReadOnlyDictionary<string, string?> overrides)
        where T : Exception
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var prefix = azurite.NewTablePrefix("fn");
        var settings = Settings(azurite, prefix, Path.Combine(Path.GetTempPath(), "compliancebot-tests", prefix), overrides);
        settings["urls"] = "http://127.0.0.1:0";
        await using var app = ComplianceBot.LocalHost.LocalFunctionsHost.Build([], configuration => configuration.AddInMemoryCollection(settings));
        var thrown = await Record.ExceptionAsync(() => app.StartAsync());
        if (thrown is null) await app.StopAsync();
        return Assert.IsType<T>(thrown);
    }

    private static Dictionary<string, string?> Settings(AzuriteFixture azurite, string tablePrefix, string outboxPath, IReadOnlyDictionary<string, string?>? overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = tablePrefix,
            ["Email:FromAddress"] = "reminders@example.org",
            ["Email:OutboxPath"] = outboxPath,
            ["LocalHost:RunTimers"] = "false",
            ["LocalHost:ProcessQueues"] = "false",
            ["ClinicRunQueue"] = tablePrefix.ToLowerInvariant() + "-runs",

            // A failed clinic run is tried again at once, so a test drains its retries without waiting a minute each.
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
            ["Storage:EvidenceContainer"] = EvidenceContainerFor(tablePrefix),
            ["Renewal:SigningKey"] = RenewalSigningKey,
            ["Renewal:PublicBaseUrl"] = "http://localhost",
            ["Auth:ApiKeys:0:Name"] = "hr-system",
            ["Auth:ApiKeys:0:Key"] = HrKey,
            ["Auth:ApiKeys:0:Role"] = Roles.Hr,
            ["Auth:ApiKeys:1:Name"] = "manager-a",
            ["Auth:ApiKeys:1:Key"] = ManagerAKey,
            ["Auth:ApiKeys:1:Role"] = Roles.Manager,
            ["Auth:ApiKeys:1:Clinics"] = "clinic-a",
            ["Auth:ApiKeys:2:Name"] = "manager-b",
            ["Auth:ApiKeys:2:Key"] = ManagerBKey,
            ["Auth:ApiKeys:2:Role"] = Roles.Manager,
            ["Auth:ApiKeys:2:Clinics"] = "clinic-b",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public ManualTimeProvider Clock { get; }

    public string TablePrefix { get; }

    public string OutboxPath { get; }

    public string EvidenceContainer => EvidenceContainerFor(TablePrefix);

    /// <summary>A client holding the personal renewal link of one person (its token, as the page sends it).</summary>
    public HttpClient WithRenewalLink(string clinicId, string employeeId)
    {
        var token = Services.GetRequiredService<ComplianceBot.Application.Renewals.RenewalTokens>().Issue(clinicId, employeeId);
        return WithRenewalToken(token);
    }

    /// <summary>A client sending the token as the page does; it streams bodies as given (see <see cref="HrStreaming"/>).</summary>
    public HttpClient WithRenewalToken(string token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(ComplianceBot.Functions.Security.RenewalLinkAuthentication.TokenHeader, token);
        return client;
    }

    /// <summary>Settings for email through a fake SendGrid instead of the outbox.</summary>
    public static Dictionary<string, string?> SendGridSettings(FakeSendGridServer fake) => new(StringComparer.Ordinal)
    {
        ["SendGrid:ApiKey"] = "SG.test-key",
        ["SendGrid:BaseUrl"] = fake.BaseUrl.ToString(),
    };

    public HttpClient Hr() => WithKey(HrKey);

    public HttpClient ManagerA() => WithKey(ManagerAKey);

    public HttpClient ManagerB() => WithKey(ManagerBKey);

    public HttpClient Anonymous() => CreateClient();

    /// <summary>
    /// An HR client that sends a body as it is given. The default client's redirect handler reads every
    /// body into memory so that it could send it again, which gives the body a Content-Length; a test of a
    /// chunked upload (no Content-Length) needs this client.
    /// </summary>
    public HttpClient HrStreaming()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(CallerAuthentication.ApiKeyHeader, HrKey);
        return client;
    }

    public HttpClient WithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(CallerAuthentication.ApiKeyHeader, key);
        return client;
    }

    /// <summary>A client presenting an App Service Authentication principal header.</summary>
    public HttpClient WithPrincipal(string principalHeader)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(CallerAuthentication.PrincipalHeader, principalHeader);
        return client;
    }

    /// <summary>
    /// Fires a timer function (DailyReminders, WeeklyDigest) through the local host, as its schedule would, then runs
    /// the clinic runs it queued, as the queue function would, until the queue is empty (retries and poison included).
    /// </summary>
    public Task<TimerRun> FireAsync(string timer) =>
        TimerRun.CaptureAsync(async () =>
        {
            await Services.GetRequiredService<LocalFunctionInvoker>().FireTimerAsync(timer, Services, CancellationToken.None);
            return await DrainQueueAsync();
        });

    /// <summary>Runs what is on the clinic-run queue until it is empty; answers the failed attempts.</summary>
    public async Task<IReadOnlyList<Exception>> DrainQueueAsync() =>
        (await LocalQueueService.DrainAsync(Services)).SelectMany(t => t.Failures).ToList();

    /// <summary>The .eml files the outbox sender wrote.</summary>
    public IReadOnlyList<string> OutboxFiles() =>
        Directory.Exists(OutboxPath) ? Directory.GetFiles(OutboxPath, "*.eml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList() : [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new TimerLogCapture()));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            if (_platformAuthentication) services.AddSingleton(new PlatformAuth(enabled: true));
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(OutboxPath))
        {
            Directory.Delete(OutboxPath, recursive: true);
        }
    }
}

/// <summary>Requests and data the tests share.</summary>
public static class TestData
{
    public const string ClinicA = "clinic-a";
    public const string ClinicB = "clinic-b";
    public const string ManagerAEmail = "mgr-a@example.org";
    public const string ManagerBEmail = "mgr-b@example.org";

    public static object Clinic(string name, string timeZone, string state, string manager, int sendHour) => new
    {
        name,
        timeZone,
        state,
        managerEmails = new[] { manager },
        sendHour,
    };

    /// <summary>clinic-a in Chicago (send hour 8) and clinic-b in New York (send hour 9): both due at <see cref="ComplianceBotApp.MondayAtSendHour"/>.</summary>
    public static async Task PutClinicsAsync(HttpClient hr)
    {
        ArgumentNullException.ThrowIfNull(hr);
        (await hr.PutAsJsonAsync("/api/clinics/clinic-a", Clinic("Clinic A", "America/Chicago", "IL", ManagerAEmail, 8))).EnsureSuccessStatusCode();
        (await hr.PutAsJsonAsync("/api/clinics/clinic-b", Clinic("Clinic B", "America/New_York", "NY", ManagerBEmail, 9))).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Roster with a BOM, CRLF, header names in other spellings, a quoted comma, doubled quotes, a
    /// US date and a quoted line break (row 4, rejected: line breaks are not allowed in a cell).
    /// </summary>
    public const string RosterCsv =
        "\uFEFFEmployee ID,First Name,Last Name,Email,Clinic_ID,Role,Hire Date,State,Birth Month Day,Active\r\n"
        + "a1,=HYPERLINK(1),\"Smith, Jr.\",a1@example.org,clinic-a,front_desk,1/15/2024,,,\r\n"
        + "a2,\"Ann \"\"Nan\"\"\",Lee,a2@example.org,clinic-a,front_desk,2024-02-01,,,yes\r\n"
        + "a3,\"Multi\r\nLine\",Name,a3@example.org,clinic-a,front_desk,,,,\r\n"
        + "b1,Bob,Brown,b1@example.org,clinic-b,front_desk,2025-01-01,,,\r\n";

    /// <summary>
    /// Records with a US date, the completed_on alias, and a clinic_id column that is not a records
    /// column: it must be reported and never move anyone. b1 has no HIPAA record (missing, escalated).
    /// </summary>
    public const string RecordsCsv =
        "employee_id,credential,completed_on,expires_on,credential_number,clinic_id\r\n"
        + "a1,HIPAA,3/16/2025,,,clinic-b\r\n"
        + "a2,HIPAA,2026-02-01,,,clinic-b\r\n";

    /// <summary>a1 and a2 did their yearly TB education (required of everyone) in January: HIPAA is the item the tests turn on.</summary>
    public const string TbEducationCsv =
        "employee_id,credential,completed_on\r\n"
        + "a1,TB_EDUCATION,2026-01-12\r\n"
        + "a2,TB_EDUCATION,2026-01-12\r\n";

    public static StringContent Csv(string text) => new(text, System.Text.Encoding.UTF8, "text/csv");

    public static async Task ImportAsync(HttpClient hr)
    {
        ArgumentNullException.ThrowIfNull(hr);
        (await hr.PostAsync("/api/staff/import", Csv(RosterCsv))).EnsureSuccessStatusCode();
        (await hr.PostAsync("/api/records/import", Csv(RecordsCsv))).EnsureSuccessStatusCode();
        (await hr.PostAsync("/api/records/import", Csv(TbEducationCsv))).EnsureSuccessStatusCode();
    }

    public static string Principal(params (string Type, string Value)[] claims)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new
        {
            auth_typ = "aad",
            name_typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            claims = claims.Select(c => new { typ = c.Type, val = c.Value }).ToArray(),
        });
        return Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json));
    }
}
