using System.Text.Json;
using ComplianceBot.Functions.Middleware;
using ComplianceBot.Storage;
using ComplianceBot.Functions.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ComplianceBot.Functions.Tests.Middleware;

/// <summary>
/// The worker middleware one by one, as the worker invokes them: a substitute FunctionContext (the worker's own
/// is internal) that names the function and holds the HttpContext where the ASP.NET Core integration keeps it.
/// </summary>
public sealed class WorkerMiddlewareTests
{
    private const string HrKey = "hr-key-0000000000000000000000000000000001";
    private const string ManagerKey = "manager-a-key-000000000000000000000000002";

    private static (FunctionContext Context, DefaultHttpContext Http) Invocation(string function, string method = "GET", string? key = null, IReadOnlyDictionary<string, object?>? routeValues = null, string query = "")
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = method;
        http.Request.QueryString = new QueryString(query);
        http.Response.Body = new MemoryStream();
        if (key is not null) http.Request.Headers[CallerAuthentication.ApiKeyHeader] = key;

        var definition = Substitute.For<FunctionDefinition>();
        definition.Name.Returns(function);
        var bindings = Substitute.For<BindingContext>();
        bindings.BindingData.Returns(routeValues ?? new Dictionary<string, object?>());
        var context = Substitute.For<FunctionContext>();
        context.FunctionDefinition.Returns(definition);
        context.BindingContext.Returns(bindings);
        context.InstanceServices.Returns(services);
        context.Items.Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return (context, http);
    }

    private static RenewalLinkAuthentication RenewalLinks() => new(
        new ComplianceBot.Application.Renewals.RenewalTokens(
            Options.Create(new ComplianceBot.Application.Renewals.RenewalOptions { SigningKey = "renewal-signing-key-00000000000000000000004", PublicBaseUrl = "http://localhost" }),
            TimeProvider.System),
        TimeProvider.System);

    [Theory]
    [InlineData(HrKey)]
    [InlineData(ManagerKey)]
    [InlineData(null)]
    public async Task ARenewalFunctionIsNotOpenedByAnApiKeyOrNothing(string? key)
    {
        var (context, http) = Invocation("GetRenewal", "GET", key);
        var called = false;

        await new AuthenticationMiddleware(Authentication(), RenewalLinks()).Invoke(context, _ => { called = true; return Task.CompletedTask; });

        Assert.False(called);
        Assert.Equal(401, http.Response.StatusCode);
    }

    private static CallerAuthentication Authentication() => new(
        Options.Create(new AuthOptions
        {
            ApiKeys =
            [
                new ApiKeyOptions { Name = "hr", Key = HrKey, Role = Roles.Hr },
                new ApiKeyOptions { Name = "manager-a", Key = ManagerKey, Role = Roles.Manager, Clinics = "clinic-a" },
            ],
        }),
        PlatformAuth.Off);

    private static async Task<JsonElement> ProblemAsync(DefaultHttpContext http)
    {
        http.Response.Body.Position = 0;
        return (await JsonDocument.ParseAsync(http.Response.Body)).RootElement;
    }

    [Theory]
    [InlineData("PutClinic", null, 401)]
    [InlineData("PutClinic", "not-a-key-at-all-0000000000000000000000", 401)]
    [InlineData("PutClinic", ManagerKey, 403)]
    [InlineData("ImportStaff", ManagerKey, 403)]
    [InlineData("NotAFunction", HrKey, 403)]
    public async Task RefusesWithAProblemAndNeverCallsTheFunctionWhenTheCallerMayNot(string function, string? key, int status)
    {
        var (context, http) = Invocation(function, "PUT", key);
        var called = false;

        await new AuthenticationMiddleware(Authentication(), RenewalLinks()).Invoke(context, _ => { called = true; return Task.CompletedTask; });

        Assert.False(called);
        Assert.Equal(status, http.Response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace((await ProblemAsync(http)).GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task TellsAWrongKeyApartFromNoKey()
    {
        var (none, noneHttp) = Invocation("GetCatalog");
        var (wrong, wrongHttp) = Invocation("GetCatalog", key: "not-a-key-at-all-0000000000000000000000");
        var middleware = new AuthenticationMiddleware(Authentication(), RenewalLinks());

        await middleware.Invoke(none, _ => Task.CompletedTask);
        await middleware.Invoke(wrong, _ => Task.CompletedTask);

        Assert.NotEqual((await ProblemAsync(noneHttp)).GetProperty("detail").GetString(), (await ProblemAsync(wrongHttp)).GetProperty("detail").GetString());
        Assert.DoesNotContain("not-a-key-at-all", (await ProblemAsync(wrongHttp)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PutClinic", HrKey)]
    [InlineData("GetClinic", ManagerKey)]
    [InlineData("SendGridEvents", null)]
    public async Task CallsTheFunctionWithTheCallerSetWhenTheRoleMayCallIt(string function, string? key)
    {
        var (context, http) = Invocation(function, key: key);
        var called = false;

        await new AuthenticationMiddleware(Authentication(), RenewalLinks()).Invoke(context, _ => { called = true; return Task.CompletedTask; });

        Assert.True(called);
        Assert.Equal(key is not null, http.User.Identity?.IsAuthenticated == true);
    }

    [Theory]
    [InlineData("GET", 404)]
    [InlineData("PUT", 400)]
    public async Task AnswersAnImpossibleClinicIdBeforeTheFunctionRuns(string method, int status)
    {
        var (context, http) = Invocation("GetClinic", method, HrKey, new Dictionary<string, object?> { ["clinicId"] = "Not An Id!" });
        var called = false;

        await new RequestEdgeMiddleware().Invoke(context, _ => { called = true; return Task.CompletedTask; });

        Assert.False(called);
        Assert.Equal(status, http.Response.StatusCode);
    }

    [Fact]
    public async Task RefusesAQueryParameterWithoutAValue()
    {
        var (context, http) = Invocation("ImportStaff", "POST", HrKey, query: "?dryRun");

        await new RequestEdgeMiddleware().Invoke(context, _ => Task.CompletedTask);

        Assert.Equal(400, http.Response.StatusCode);
        Assert.True((await ProblemAsync(http)).GetProperty("errors").TryGetProperty("dryRun", out _));
    }

    [Fact]
    public async Task TurnsAStorageFailureIntoA503ProblemWithoutInternals()
    {
        var (context, http) = Invocation("GetCatalog");

        await new ProblemMiddleware(NullLogger<ProblemMiddleware>.Instance).Invoke(context, _ => throw new Azure.RequestFailedException(503, "secret internals"));

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        Assert.DoesNotContain("secret internals", (await ProblemAsync(http)).GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallsAWriteConflictThatOutlastedItsRetriesAConflictNotAnOutage()
    {
        var (context, http) = Invocation("ImportRecords", "POST");

        await new ProblemMiddleware(NullLogger<ProblemMiddleware>.Instance).Invoke(context, _ => throw new Azure.RequestFailedException(409, "EntityAlreadyExists"));

        Assert.Equal(409, http.Response.StatusCode);
        Assert.Contains("send it again", (await ProblemAsync(http)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ImportStaff", 200)]
    [InlineData("ImportRecords", 200)]
    [InlineData("GetCompliance", 30)]
    [InlineData("SendGridEvents", 30)]
    public async Task GivesAnImportTheLongerStorageTimeLimitAndEveryOtherRequestTheShorter(string function, int seconds)
    {
        var (context, _) = Invocation(function);
        TimeSpan? during = null;

        await new StorageDeadlineMiddleware(Options.Create(new TableStorageOptions())).Invoke(context, _ =>
        {
            during = StorageDeadline.Budget;
            return Task.CompletedTask;
        });

        Assert.Equal(TimeSpan.FromSeconds(seconds), during);
        Assert.Null(StorageDeadline.Budget);
    }

    [Fact]
    public async Task LeavesATimerWithoutAStorageTimeLimit()
    {
        var (context, _) = Invocation("DailyReminders");
        context.Items.Returns(new Dictionary<object, object>());
        TimeSpan? during = TimeSpan.MaxValue;

        await new StorageDeadlineMiddleware(Options.Create(new TableStorageOptions())).Invoke(context, _ =>
        {
            during = StorageDeadline.Budget;
            return Task.CompletedTask;
        });

        Assert.Null(during);
    }

    [Fact]
    public async Task LeavesATimersExceptionToTheHost()
    {
        var (context, _) = Invocation("DailyReminders");
        context.Items.Returns(new Dictionary<object, object>());

        await Assert.ThrowsAsync<InvalidOperationException>(() => new ProblemMiddleware(NullLogger<ProblemMiddleware>.Instance).Invoke(context, _ => throw new InvalidOperationException("clinic failed")));
    }

    [Fact]
    public async Task MarksApiAnswersNoStoreUnlessTheFunctionSetItsOwnPolicy()
    {
        var (context, http) = Invocation("GetCatalog");
        var feature = new ResponseStartingFeature();
        http.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>(feature);

        await new NoStoreMiddleware().Invoke(context, _ => Task.CompletedTask);
        await feature.StartAsync();

        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
    }

    /// <summary>A response feature that runs the OnStarting callbacks when told to, as a server does before the first byte.</summary>
    private sealed class ResponseStartingFeature : Microsoft.AspNetCore.Http.Features.HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _starting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => _starting.Add((callback, state));

        public async Task StartAsync()
        {
            foreach (var (callback, state) in _starting) await callback(state);
        }
    }
}
