using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Storage.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class StorageServicesTests(AzuriteFixture azurite)
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public async Task StartFailsNamingTheSettingWhenNoAccountIsConfigured()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Services.AddStorageServices(builder.Configuration);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Storage__ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Storage__AccountName", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Storage:TableEndpoint", "https://acct.table.core.windows.net", "Storage__BlobEndpoint is required with Storage__TableEndpoint")]
    [InlineData("Storage:EvidenceContainer", "Evidence_Files", "Storage__EvidenceContainer must be 3-63 lower-case letters")]
    [InlineData("Storage:BlobEndpoint", "http://acct.blob.core.windows.net", "Storage__BlobEndpoint must be an absolute https URL")]
    public async Task StartFailsNamingTheEvidenceSettingThatCannotWork(string key, string value, string message)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:AccountName"] = key == "Storage:TableEndpoint" ? null : "acct", [key] = value });
        builder.Services.AddStorageServices(builder.Configuration);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPortResolvesAndTablesAreCreatedWhenConfiguredForAzurite()
    {
        var prefix = azurite.NewTablePrefix("di");
        var services = new ServiceCollection().AddLogging().AddStorageServices(Settings(
            ("Storage:ConnectionString", azurite.ConnectionString),
            ("Storage:TablePrefix", prefix)));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        await provider.EnsureTablesAsync();
        await provider.EnsureTablesAsync();

        var tables = provider.GetRequiredService<StorageTables>();
        Assert.All(tables.All, t => Assert.StartsWith(prefix, t.Name, StringComparison.Ordinal));
        var existing = await provider.GetRequiredService<TableServiceClient>().QueryAsync(TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}")).ToListAsync();
        Assert.Equal(tables.All.Select(t => t.Name).Order(StringComparer.Ordinal), existing.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Empty(await provider.GetRequiredService<IClinicStore>().ListAsync());
        Assert.NotNull(provider.GetRequiredService<IStaffStore>());
        Assert.Empty(await provider.GetRequiredService<ICredentialRecordStore>().ListByClinicAsync("c1"));
        Assert.Empty(await provider.GetRequiredService<IRetrainingEventStore>().ListAsync());
        Assert.Empty(await provider.GetRequiredService<IReminderLedger>().ListAsync("c1"));
        Assert.Null(await provider.GetRequiredService<IRunWatermarkStore>().GetAsync("c1", "daily"));
        Assert.Empty(await provider.GetRequiredService<IAuditLog>().ListAsync("c1", DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        Assert.Empty(await provider.GetRequiredService<IDeliveryEventStore>().LatestByAddressAsync(["a@x.test"]));
    }

    [Fact]
    public async Task TheConfiguredRetriesReachTheSdkWhenStorageKeepsAnswering503()
    {
        using var faults = new FaultInjectingHandler(100, _ => true);
        var services = new ServiceCollection().AddLogging().AddStorageServices(Settings(
            ("Storage:ConnectionString", azurite.ConnectionString),
            ("Storage:MaxRetries", "2"),
            ("Storage:RetryDelay", "00:00:00.010")));
        services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.Transport = new HttpClientTransport(faults)));
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => provider.GetRequiredService<IClinicStore>().GetAsync("c1"));

        Assert.Equal(503, ex.Status);
        Assert.Equal(3, faults.Requests);
    }

    [Fact]
    public async Task AccountNameAloneSendsTheManagedIdentitysBearerTokenToTheAccountsEndpoint()
    {
        var credential = new CountingCredential();
        var transport = new RecordingTransport();
        var services = new ServiceCollection().AddLogging().AddStorageServices(Settings(("Storage:AccountName", "prodacct"), ("Storage:MaxRetries", "0")));
        services.AddSingleton<TokenCredential>(credential);
        services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.Transport = new HttpClientTransport(transport)));
        await using var provider = services.BuildServiceProvider();

        Assert.Null(await provider.GetRequiredService<IClinicStore>().GetAsync("c1"));
        Assert.Null(await provider.GetRequiredService<IClinicStore>().GetAsync("c2"));

        var service = provider.GetRequiredService<TableServiceClient>();
        Assert.Equal(("https://prodacct.table.core.windows.net/", "prodacct"), (service.Uri.AbsoluteUri, service.AccountName));
        Assert.Equal(1, credential.Calls);
        Assert.Equal(["https://storage.azure.com/.default"], credential.LastScopes);
        Assert.Equal(2, transport.Requests.Count);
        Assert.All(transport.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
        Assert.StartsWith("https://prodacct.table.core.windows.net/Clinics(", transport.Requests[0].Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageCallsAreNotLoggedOneLineEachWithTheirKeysWhenTheSdksLogsAreForwarded()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddProvider(new ListLoggerProvider(lines)))
            .AddStorageServices(Settings(("Storage:ConnectionString", azurite.ConnectionString), ("Storage:TablePrefix", azurite.NewTablePrefix("logs"))));
        await using var provider = services.BuildServiceProvider();
        await provider.EnsureTablesAsync();

        await provider.GetRequiredService<IDeliveryEventStore>().LatestByAddressAsync(["ana.diaz@example.test"]);

        Assert.DoesNotContain(lines, l => l.Contains("ana.diaz", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains("DeliveryStatus", StringComparison.Ordinal));
    }

    private sealed class ListLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }

    [Fact]
    public void ValidationRejectsBadSettingsWithoutLeakingTheKey()
    {
        static string? Problem(Action<TableStorageOptions> set)
        {
            var options = new TableStorageOptions { ConnectionString = "UseDevelopmentStorage=true" };
            set(options);
            return options.Validate();
        }

        Assert.Null(Problem(_ => { }));
        Assert.Null(new TableStorageOptions { AccountName = "prodacct" }.Validate());
        Assert.Contains("TablePrefix", Problem(o => o.TablePrefix = "bad-prefix"), StringComparison.Ordinal);
        var badKey = Problem(o => o.ConnectionString = "AccountName=a;AccountKey=not*base64");
        Assert.Contains("Storage__ConnectionString", badKey, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", badKey, StringComparison.Ordinal);
        Assert.Contains("https", new TableStorageOptions { TableEndpoint = "http://acct.table.core.windows.net" }.Validate(), StringComparison.Ordinal);
        Assert.Contains("Storage__MaxRetries", Problem(o => o.MaxRetries = 11), StringComparison.Ordinal);
        Assert.Contains("Storage__AttemptTimeout", Problem(o => o.AttemptTimeout = TimeSpan.Zero), StringComparison.Ordinal);
        var hang = Problem(o => (o.MaxRetries, o.AttemptTimeout) = (10, TimeSpan.FromSeconds(30)));
        Assert.Contains("at most 120 s", hang, StringComparison.Ordinal);
        Assert.Contains("Storage__RequestTimeout", Problem(o => o.RequestTimeout = TimeSpan.Zero), StringComparison.Ordinal);
        Assert.Contains("at most 230 s", Problem(o => o.ImportRequestTimeout = TimeSpan.FromMinutes(5)), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsLetAHungStorageFailACallInUnderAMinute()
    {
        var defaults = new TableStorageOptions();

        Assert.Equal((3, TimeSpan.FromSeconds(10)), (defaults.MaxRetries, defaults.AttemptTimeout));
        Assert.InRange(defaults.WorstCaseCall, TimeSpan.FromSeconds(46), TimeSpan.FromSeconds(47));
        // And a whole API request waits on storage at most 30 s (an import 200 s, under Azure's 230 s).
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(200)), (defaults.RequestTimeout, defaults.ImportRequestTimeout));
    }

    private sealed class CountingCredential : TokenCredential
    {
        public int Calls { get; private set; }

        public string[] LastScopes { get; private set; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            LastScopes = requestContext.Scopes;
            return ValueTask.FromResult(new AccessToken($"token-{Calls}", DateTimeOffset.UtcNow.AddHours(1)));
        }
    }

    /// <summary>Records what was sent and answers 404, as the service does for a missing entity.</summary>
    private sealed class RecordingTransport : HttpMessageHandler
    {
        public List<(string Uri, string? Authorization)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!.AbsoluteUri, request.Headers.Authorization?.ToString()));
            var response = new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                Content = new StringContent("{\"odata.error\":{\"code\":\"ResourceNotFound\",\"message\":{\"lang\":\"en-US\",\"value\":\"The specified resource does not exist.\"}}}"),
            };
            response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return Task.FromResult(response);
        }
    }
}
