using System.Text.Json;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Middleware;
using ComplianceBot.LocalHost;
using Microsoft.Extensions.Configuration;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Functions.Tests.Hosting;

/// <summary>
/// The local host serves exactly what the Functions host would: its route table, timers and queues are compared with
/// the functions.metadata the Worker SDK generated from the same [Function] declarations at build.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class LocalHostTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public void ServesExactlyTheHttpFunctionsOfFunctionsMetadata()
    {
        var generated = FunctionsMetadata()
            .Where(f => f.Bindings.Any(b => b.Type == "httpTrigger"))
            .SelectMany(f => f.Bindings.Single(b => b.Type == "httpTrigger").Methods.Select(m => $"{m.ToUpperInvariant()} /api/{f.Bindings.Single(b => b.Type == "httpTrigger").Route}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(generated);
        Assert.Equal(generated, Served().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FiresExactlyTheTimersOfFunctionsMetadataOnTheirDeclaredSchedules()
    {
        var generated = FunctionsMetadata()
            .Where(f => f.Bindings.Any(b => b.Type == "timerTrigger"))
            .Select(f => (f.Name, f.Bindings.Single(b => b.Type == "timerTrigger").Schedule))
            .Order()
            .ToList();

        Assert.Equal(2, generated.Count);
        Assert.Equal(generated, FunctionDeclarations.Timers.Select(t => (t.Name, (string?)t.Schedule)).Order());
    }

    [Fact]
    public void ReadsExactlyTheQueuesOfFunctionsMetadataThroughTheHostStorageConnection()
    {
        var generated = FunctionsMetadata()
            .Where(f => f.Bindings.Any(b => b.Type == "queueTrigger"))
            .Select(f => (f.Name, f.Bindings.Single(b => b.Type == "queueTrigger").QueueName, f.Bindings.Single(b => b.Type == "queueTrigger").Connection))
            .ToList();

        // No connection named: the trigger uses AzureWebJobsStorage, the account infra/ also gives the app (Storage__AccountName).
        Assert.Equal([(ClinicRunFunctions.RunClinic, (string?)"%ClinicRunQueue%", (string?)null)], generated);
        Assert.Equal(generated.Select(g => (g.Name, g.QueueName)), FunctionDeclarations.Queues.Select(q => (q.Name, (string?)q.Queue)));
    }

    [Fact]
    public void HostJsonIsPlainJsonAndItsQueueRulesAreTheLocalHostsRules()
    {
        var path = Path.Combine(AzuriteFixture.FindRepoRoot(), "host.json");

        // The Functions host silently ignores a host.json holding comments (azure-functions-host #9583): none allowed.
        using (JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow }))
        {
        }

        Assert.Equal(new QueueRules(4, 2, 5, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)), QueueRules.Read(path, new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void QueueRulesTakeTheHostsAppSettingOverridesAndRefuseNonsenseNamingTheSetting()
    {
        var path = Path.Combine(AzuriteFixture.FindRepoRoot(), "host.json");
        IConfiguration Settings(string name, string value) =>
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"AzureFunctionsJobHost:extensions:queues:{name}"] = value }).Build();

        Assert.Equal(2, QueueRules.Read(path, Settings("maxDequeueCount", "2")).MaxDequeueCount);
        Assert.Equal(TimeSpan.Zero, QueueRules.Read(path, Settings("visibilityTimeout", "00:00:00")).VisibilityTimeout);
        Assert.Equal("extensions.queues.batchSize must be between 1 and 32 (Queue Storage's limit), not 64.", Assert.Throws<InvalidOperationException>(() => QueueRules.Read(path, Settings("batchSize", "64"))).Message);
        Assert.Equal("extensions.queues.visibilityTimeout must be a time span like 00:01:00, not 'soon'.", Assert.Throws<InvalidOperationException>(() => QueueRules.Read(path, Settings("visibilityTimeout", "soon"))).Message);
    }

    [Fact]
    public void EveryFunctionOfFunctionsMetadataIsDeclared()
    {
        var declared = FunctionDeclarations.Http.Select(f => f.Name).Concat(FunctionDeclarations.Timers.Select(t => t.Name)).Concat(FunctionDeclarations.Queues.Select(q => q.Name)).Order(StringComparer.Ordinal);
        Assert.Equal(FunctionsMetadata().Select(f => f.Name).Order(StringComparer.Ordinal), declared);
    }

    [Fact]
    public void EveryHttpFunctionIsAnonymousAtTheHostAndSaysWhoMayCallIt()
    {
        Assert.All(FunctionsMetadata().SelectMany(f => f.Bindings).Where(b => b.Type == "httpTrigger"), b => Assert.Equal("Anonymous", b.AuthLevel));
        Assert.All(FunctionDeclarations.Http, f => Assert.True(Enum.IsDefined(f.Access)));
    }

    [Fact]
    public void MiddlewareIsDeclaredOnceInOrderAndEveryTypeIsWorkerMiddleware()
    {
        Assert.Equal(
            [typeof(ProblemMiddleware), typeof(NoStoreMiddleware), typeof(StorageDeadlineMiddleware), typeof(TablesReadyMiddleware), typeof(AuthenticationMiddleware), typeof(RequestEdgeMiddleware)],
            FunctionsMiddleware.Pipeline);
        Assert.All(FunctionsMiddleware.Pipeline, t => Assert.True(typeof(Microsoft.Azure.Functions.Worker.Middleware.IFunctionsWorkerMiddleware).IsAssignableFrom(t)));
        Assert.All(FunctionsMiddleware.Pipeline, t => Assert.NotNull(_app.Services.GetRequiredService(t)));
    }

    [Fact]
    public async Task DescribesEveryHttpFunctionInTheOpenApiDocument()
    {
        using var hr = _app.Hr();
        using var doc = JsonDocument.Parse(await hr.GetStringAsync("/api/openapi.json"));
        var paths = doc.RootElement.GetProperty("paths");
        var described = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Key: $"{o.Name.ToUpperInvariant()} {p.Name}", Id: o.Value.GetProperty("operationId").GetString())))
            .ToList();

        var declared = FunctionDeclarations.Http
            .SelectMany(f => f.Methods.Select(m => (Key: $"{m} {f.Path.Replace("{*", "{", StringComparison.Ordinal)}", Id: (string?)f.Name)))
            .ToList();

        Assert.Equal(declared.OrderBy(d => d.Key, StringComparer.Ordinal), described.OrderBy(d => d.Key, StringComparer.Ordinal));
    }

    private HashSet<string> Served() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText != "/")
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);

    private sealed record Binding(string Type, string? Route, string? Schedule, string? AuthLevel, IReadOnlyList<string> Methods, string? QueueName, string? Connection);

    private sealed record Function(string Name, IReadOnlyList<Binding> Bindings);

    /// <summary>The functions.metadata of the Functions project's build (the test project builds it first).</summary>
    private static List<Function> FunctionsMetadata()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ComplianceBot.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var path = Path.Combine(root.FullName, "src", "ComplianceBot.Functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build src/ComplianceBot.Functions ({configuration}); the Worker SDK writes it.");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().Select(f => new Function(
            f.GetProperty("name").GetString()!,
            f.GetProperty("bindings").EnumerateArray().Select(b => new Binding(
                b.GetProperty("type").GetString()!,
                b.TryGetProperty("route", out var route) ? route.GetString() : null,
                b.TryGetProperty("schedule", out var schedule) ? schedule.GetString() : null,
                b.TryGetProperty("authLevel", out var level) ? level.GetString() : null,
                b.TryGetProperty("methods", out var methods) ? methods.EnumerateArray().Select(m => m.GetString()!).ToList() : [],
                b.TryGetProperty("queueName", out var queue) ? queue.GetString() : null,
                b.TryGetProperty("connection", out var connection) ? connection.GetString() : null)).ToList())).ToList();
    }
}
