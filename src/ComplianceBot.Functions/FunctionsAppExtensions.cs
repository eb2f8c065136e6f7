using ComplianceBot.Functions.Endpoints;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Functions;

public static class FunctionsAppExtensions
{
    /// <summary>Authentication, authorization, limits, problem+json and OpenAPI for the HTTP functions.</summary>
    public static IServiceCollection AddFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PlatformAuth>();
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection("Auth"))
            .Validate(o => o.ApiKeys.All(k => k.Key.Length >= 32), "Auth:ApiKeys: every Key must be at least 32 characters.")
            .Validate(o => o.ApiKeys.All(k => k.Role is Roles.Hr or Roles.Manager), "Auth:ApiKeys: every Role must be HR or Manager.")
            .Validate(o => o.ApiKeys.All(k => k.Role != Roles.Manager || !string.IsNullOrWhiteSpace(k.Clinics)), "Auth:ApiKeys: a Manager key must name its Clinics.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, PlatformAuthValidator>();
        services.AddOptions<ImportOptions>()
            .Bind(configuration.GetSection("Import"))
            .Validate(o => o.MaxBodyBytes is > 0 and <= 100L * 1024 * 1024, "Import:MaxBodyBytes must be between 1 byte and 100 MB (the platform's ceiling).")
            .ValidateOnStart();

        // The core of AddAuthentication without its data protection: the one scheme reads a header and
        // issues nothing (no cookies, no tokens), and loading a data-protection key ring at start-up cost a
        // cold start about 100 ms.
        services.AddAuthenticationCore(o => o.DefaultScheme = ComplianceBotAuthenticationHandler.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, ComplianceBotAuthenticationHandler>(ComplianceBotAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Hr, p => p.RequireRole(Roles.Hr))
            .AddPolicy(Policies.AnyRole, p => p.RequireRole(Roles.Hr, Roles.Manager))
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireRole(Roles.Hr, Roles.Manager).Build());

        services.AddScoped<ClinicAccess>();
        services.AddSingleton<TimerRunner>();
        services.AddSingleton<TablesReady>();
        // Body binding failures (not JSON, missing, an unknown field) reach the exception
        // handler, which words them; problems the framework writes without a detail get one.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= RequestEdge.DefaultDetail(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode, context.HttpContext));
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        services.AddOpenApi(OpenApiDocumentApi.DocumentName);
        return services;
    }

    /// <summary>The middleware and every function of the registry.</summary>
    public static WebApplication UseComplianceBot(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var tables = app.Services.GetRequiredService<TablesReady>();

        // The host's readiness probe (any answer means ready), answered ahead of routing: the route table
        // of every function is built by the first real request, not while the host waits on a cold start.
        app.Use((context, next) => IsReadinessProbe(context.Request)
            ? context.Response.WriteAsync("ComplianceBot is running.", context.RequestAborted)
            : next(context));
        app.Use((context, next) =>
        {
            // API answers carry staff data (names, dates, credential status): no browser or proxy keeps a
            // copy. The web page sets its own (no-cache) policy, which this leaves alone.
            context.Response.OnStarting(() =>
            {
                if (!context.Response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.CacheControl)) context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseRouting();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            // Every request past the probe needs the tables (a 503 problem if storage is unreachable).
            await tables.EnsureAsync().WaitAsync(context.RequestAborted);
            await next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapTimerFunctions();
        app.MapClinics();
        app.MapImports();
        app.MapStaff();
        app.MapCompliance();
        app.MapCatalog();
        app.MapSendGridEvents();
        app.MapWebApp();
        app.MapOpenApiDocument();
        return app;
    }

    private static bool IsReadinessProbe(HttpRequest request) =>
        request.Path == "/" && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method));

    /// <summary>Fails the start when platform authentication is required but the platform says it is off.</summary>
    private sealed class PlatformAuthValidator(PlatformAuth platform) : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
            options.RequirePlatformAuth && !platform.Enabled
                ? ValidateOptionsResult.Fail("Auth:RequirePlatformAuth is true but App Service Authentication is off (WEBSITE_AUTH_ENABLED is not True). Turn authentication on, or set Auth__RequirePlatformAuth=false for local use.")
                : ValidateOptionsResult.Success;
    }
}
