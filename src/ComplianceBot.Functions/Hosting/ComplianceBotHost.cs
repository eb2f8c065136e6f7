using ComplianceBot.Application;
using ComplianceBot.Email;
using ComplianceBot.Storage;

namespace ComplianceBot.Functions.Hosting;

/// <summary>The app as <c>Program</c> runs it: where it listens, its services and its pipeline, in one place.</summary>
public static class ComplianceBotHost
{
    /// <summary>
    /// Builds the app from <paramref name="args"/> and the usual configuration sources;
    /// <paramref name="configure"/> may add sources first (tests use it to start the app as it starts in
    /// production and see what start-up refuses).
    /// </summary>
    public static WebApplication Build(string[] args, Action<ConfigurationManager>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);
        builder.UseCustomHandlerHosting();
        builder.Services
            .AddComplianceBotApplication(builder.Configuration)
            .AddStorageServices(builder.Configuration)
            .AddEmailServices(builder.Configuration)
            .AddFunctionsApp(builder.Configuration);

        var app = builder.Build();
        app.UseComplianceBot();
        return app;
    }
}
