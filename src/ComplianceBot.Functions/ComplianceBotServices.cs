using ComplianceBot.Application;
using ComplianceBot.Email;
using ComplianceBot.Functions.Endpoints;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Middleware;
using ComplianceBot.Functions.Security;
using ComplianceBot.Storage;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Functions;

/// <summary>The services of the Functions app, registered the same way by the worker (Program) and by the local host.</summary>
public static class ComplianceBotServices
{
    public static IServiceCollection AddComplianceBot(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services
            .AddComplianceBotApplication(configuration)
            .AddStorageServices(configuration)
            .AddEmailServices(configuration);

        services.AddSingleton(_ => PlatformAuth.FromEnvironment());
        services.AddSingleton<CallerAuthentication>();
        services.AddSingleton<RenewalLinkAuthentication>();
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

        services.AddScoped<ClinicAccess>();
        services.AddSingleton<TimerRunner>();
        services.AddSingleton<ClinicRunner>();
        services.AddSingleton<TablesReady>();
        FunctionsMiddleware.AddMiddleware(services);

        // Problems the functions answer, and those the local host writes without a detail (an unknown route,
        // a wrong method), get one.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= RequestEdge.DefaultDetail(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode, context.HttpContext));
        return services;
    }

    /// <summary>Fails the start when platform authentication is required but the platform says it is off.</summary>
    private sealed class PlatformAuthValidator(PlatformAuth platform) : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
            options.RequirePlatformAuth && !platform.Enabled
                ? ValidateOptionsResult.Fail("Auth:RequirePlatformAuth is true but App Service Authentication is off (the platform did not set WEBSITE_AUTH_ENABLED=True in the environment; the local host never trusts it). Turn authentication on, or set Auth__RequirePlatformAuth=false for local use.")
                : ValidateOptionsResult.Success;
    }
}
