using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using Azure.Core.Pipeline;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.LocalHost;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Reliability.Tests;

/// <summary>One Azurite process for the whole suite; the classes run one after another (two shared cores).</summary>
[CollectionDefinition(Name)]
public sealed class AppGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "App";
}

/// <summary>Keys and secrets the suite uses; the log scan looks for each of them.</summary>
public static class Secrets
{
    public const string HrKey = "hr-key-0123456789abcdef0123456789abcdef";
    public const string ManagerAKey = "mgr-a-key-0123456789abcdef0123456789abcd";
    public const string SendGridKey = "SG.reliability-test-key.0123456789abcdefghij";
}

/// <summary>Every log line any factory of the suite wrote.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public static readonly ConcurrentQueue<string> Lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a secret in a property that the message template omits still leaks to App Insights.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}

/// <summary>
/// The Functions app in-process (TestServer) against Azurite and a fake SendGrid, with a fake clock.
/// Each factory gets its own table prefix, so tests never see each other's rows.
/// </summary>
public sealed class AppFactory : WebApplicationFactory<Program>
{
    private readonly AzuriteFixture _azurite;
    private readonly Dictionary<string, string?> _settings;
    private readonly Func<HttpMessageHandler>? _storageTransport;

    private AppFactory(AzuriteFixture azurite, FakeSendGridServer sendGrid, ManualTimeProvider clock, Dictionary<string, string?> settings, Func<HttpMessageHandler>? storageTransport)
    {
        _azurite = azurite;
        SendGrid = sendGrid;
        Clock = clock;
        _settings = settings;
        _storageTransport = storageTransport;
    }

    public FakeSendGridServer SendGrid { get; }

    public ManualTimeProvider Clock { get; }

    public string TablePrefix => _settings["Storage:TablePrefix"]!;

    /// <summary>The storage the app uses (Azurite), for a process started beside it.</summary>
    public string ConnectionString => _settings["Storage:ConnectionString"]!;

    public static async Task<AppFactory> StartAsync(
        AzuriteFixture azurite,
        DateTimeOffset now,
        IReadOnlyDictionary<string, string?>? settings = null,
        Func<HttpMessageHandler>? storageTransport = null,
        bool kestrel = false)
    {
        var clock = new ManualTimeProvider(now);
        var sendGrid = await FakeSendGridServer.StartAsync(clock);
        sendGrid.ExpectedApiKey = Secrets.SendGridKey;
        var all = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = azurite.NewTablePrefix("rel"),
            ["Storage:RetryDelay"] = "00:00:00.010",
            ["Storage:MaxRetryDelay"] = "00:00:00.100",
            ["SendGrid:ApiKey"] = Secrets.SendGridKey,
            ["SendGrid:BaseUrl"] = sendGrid.BaseUrl.ToString(),
            ["Email:FromAddress"] = "compliance@clinic.example",
            ["LocalHost:RunTimers"] = "false",
            ["LocalHost:ProcessQueues"] = "false",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
            ["Auth:ApiKeys:0:Name"] = "hr-system",
            ["Auth:ApiKeys:0:Key"] = Secrets.HrKey,
            ["Auth:ApiKeys:0:Role"] = "HR",
            ["Auth:ApiKeys:1:Name"] = "manager-a",
            ["Auth:ApiKeys:1:Key"] = Secrets.ManagerAKey,
            ["Auth:ApiKeys:1:Role"] = "Manager",
            ["Auth:ApiKeys:1:Clinics"] = "clinic-a",
        };
        all["ClinicRunQueue"] = all["Storage:TablePrefix"]!.ToLowerInvariant() + "-runs";
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var factory = new AppFactory(azurite, sendGrid, clock, all, storageTransport);
        if (kestrel)
        {
            // A real loopback socket, for what TestServer cannot show (request body limits, memory).
            factory.UseKestrel(0);
            factory.StartServer();
        }
        else
        {
            _ = factory.Server; // start now: table creation and option validation happen here
        }

        return factory;
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public HttpClient Hr() => WithKey(Secrets.HrKey);

    public HttpClient ManagerA() => WithKey(Secrets.ManagerAKey);

    public HttpClient WithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await SendGrid.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureLogging(l => l.AddProvider(new CapturedLogs()).AddProvider(new TimerLogCapture()).SetMinimumLevel(LogLevel.Debug));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            if (_storageTransport is not null)
            {
                // The SDK's own seam: every Azure client of the app sends through this handler; no production hook is needed.
                services.AddAzureClients(clients => clients.ConfigureDefaults(options => options.Transport = new HttpClientTransport(_storageTransport())));
            }
        });
    }
}

/// <summary>What tests do to the app: set up a practice, fire the timer, read the ledger.</summary>
public static class AppActions
{
    public static async Task PutClinicAsync(this AppFactory app, string id, string timeZone = "America/Chicago", int sendHour = 8, string[]? managers = null, string[]? businessDays = null)
    {
        using var hr = app.Hr();
        var response = await hr.PutAsJsonAsync($"/api/clinics/{id}", new
        {
            name = "Clinic " + id,
            timeZone,
            state = "TX",
            managerEmails = managers ?? Array.Empty<string>(),
            sendHour,
            businessDays,
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> ImportAsync(this AppFactory app, string what, string body, string contentType = "text/csv", HttpClient? client = null)
    {
        var http = client ?? app.Hr();
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var response = await http.PostAsync($"/api/{what}/import", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        if (client is null) http.Dispose();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Roster of front-desk staff with a HIPAA record each due on the given date, and a yearly TB education
    /// (required of everyone) done 60 days before that date, so HIPAA is the only item that comes due.
    /// </summary>
    public static async Task SeedStaffAsync(this AppFactory app, string clinicId, IReadOnlyList<(string Id, DateOnly Due)> people)
    {
        var roster = new StringBuilder("employee_id,first_name,last_name,email,clinic_id,role,hire_date\n");
        var records = new StringBuilder("employee_id,credential,issued_on,expires_on,credential_number\n");
        foreach (var (id, due) in people)
        {
            roster.Append($"{id},First{id},Last{id},{id}@staff.example,{clinicId},front_desk,2020-01-06\n");
            records.Append($"{id},HIPAA,{due.AddMonths(-12):yyyy-MM-dd},{due:yyyy-MM-dd},\n");
            records.Append($"{id},TB_EDUCATION,{due.AddDays(-60):yyyy-MM-dd},,\n");
        }

        var r = await app.ImportAsync("staff", roster.ToString());
        Assert.Equal(0, r.GetProperty("rejected").GetArrayLength());
        var c = await app.ImportAsync("records", records.ToString());
        Assert.Equal(0, c.GetProperty("rejected").GetArrayLength());
    }

    /// <summary>Fires DailyReminders through the local host, as its schedule would, and runs the clinic runs it queued until the queue is empty.</summary>
    public static Task<TimerRun> FireDailyAsync(this AppFactory app, CancellationToken cancellationToken = default) =>
        TimerRun.CaptureAsync(async () =>
        {
            await app.Get<LocalFunctionInvoker>().FireTimerAsync(TimerFunctions.DailyReminders, app.Services, cancellationToken);
            return (await LocalQueueService.DrainAsync(app.Services, cancellationToken: cancellationToken)).SelectMany(t => t.Failures).ToList();
        });

    /// <summary>Fires DailyReminders and answers its log (the header, then one summary per clinic); fails the test if the run failed.</summary>
    public static async Task<string> FireDailyOkAsync(this AppFactory app) => (await app.FireDailyAsync()).EnsureSucceeded().Text;

    public static async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(this AppFactory app, string clinicId) =>
        await app.Get<IReminderLedger>().ListAsync(clinicId);

    /// <summary>The recipient addresses of every request the fake received.</summary>
    public static List<string> Recipients(this FakeSendGridServer sendGrid) =>
        sendGrid.Requests.Select(r => r.Json?["personalizations"]?[0]?["to"]?[0]?["email"]?.GetValue<string>() ?? "?").ToList();

    /// <summary>The instant a clinic in <paramref name="zone"/> reads <paramref name="local"/>.</summary>
    public static DateTimeOffset At(string zone, DateTime local)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        return new DateTimeOffset(local, tz.GetUtcOffset(local));
    }
}
