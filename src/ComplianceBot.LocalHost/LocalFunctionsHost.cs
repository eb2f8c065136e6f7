using ComplianceBot.Functions;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using ComplianceBot.Storage.Queues;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Configuration.Memory;

namespace ComplianceBot.LocalHost;

/// <summary>
/// The local host of the Functions app: each HTTP function of <see cref="FunctionDeclarations"/> at
/// <c>/api/{route}</c> for its methods, invoked through the worker middleware; the timers on their schedules; the
/// queue functions fed from their queues by host.json's rules (<see cref="LocalQueueListener"/>); the same services as the worker. What the Functions host does in Azure and this host does not: function
/// keys (unused: every function is anonymous at the host and authorizes itself), and its own answers to
/// unknown routes and wrong methods (problem+json here, the host's plain 404 there).
/// </summary>
public static class LocalFunctionsHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>Setting that turns the local timers off (tests, and the demo, which runs the jobs itself first).</summary>
    public const string RunTimersSetting = "LocalHost:RunTimers";

    /// <summary>
    /// Builds the host from <paramref name="args"/> and the usual configuration sources; <paramref name="configure"/>
    /// may add sources (tests use it to start the host as it starts here and see what start-up refuses).
    /// </summary>
    public static WebApplication Build(string[] args, Action<ConfigurationManager>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Lowest precedence: the schedules infra/ sets in Azure, so a local run fires on the same ones.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["DailyRemindersSchedule"] = TimerFunctions.DefaultDailyRemindersSchedule,
                ["WeeklyDigestSchedule"] = TimerFunctions.DefaultWeeklyDigestSchedule,
                [ClinicRunQueueName.Setting] = ClinicRunQueueName.Default,
            },
        });
        configure?.Invoke(builder.Configuration);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddComplianceBot(builder.Configuration);

        // Nothing stands in front of the local host to set X-MS-CLIENT-PRINCIPAL: any caller could forge it.
        builder.Services.Replace(ServiceDescriptor.Singleton(PlatformAuth.Off));
        builder.Services.AddSingleton<LocalFunctionInvoker>();
        if (builder.Configuration.GetValue(RunTimersSetting, defaultValue: true))
        {
            builder.Services.AddHostedService<LocalTimerService>();
        }

        // The queue functions, fed by the rules of the host.json the Functions host reads (copied next to this app).
        var rules = QueueRules.Read(Path.Combine(AppContext.BaseDirectory, "host.json"), builder.Configuration);
        foreach (var queue in FunctionDeclarations.Queues)
        {
            LocalFunctionInvoker.CheckBindable(queue.Method);
            builder.Services.AddSingleton(provider => ActivatorUtilities.CreateInstance<LocalQueueListener>(provider, queue, rules, provider));
        }

        if (builder.Configuration.GetValue(LocalQueueService.ProcessQueuesSetting, defaultValue: true))
        {
            builder.Services.AddHostedService<LocalQueueService>();
        }

        var app = builder.Build();
        Map(app);
        return app;
    }

    private static void Map(WebApplication app)
    {
        // The host's readiness probe, and the place a person who opens the root URL is told where to go.
        app.MapMethods("/", ["GET", "HEAD"], () => Results.Text("ComplianceBot is running. The web page is at /api/app/; the API is described at /api/openapi.json.")).ExcludeFromDescription();
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        var invoker = app.Services.GetRequiredService<LocalFunctionInvoker>();
        foreach (var function in FunctionDeclarations.Http)
        {
            LocalFunctionInvoker.CheckBindable(function.Method);
            app.MapMethods(function.Path, function.Methods, context => invoker.InvokeHttpAsync(function, context)).WithName(function.Name);
        }

        foreach (var timer in FunctionDeclarations.Timers)
        {
            LocalFunctionInvoker.CheckBindable(timer.Method);
        }
    }
}
