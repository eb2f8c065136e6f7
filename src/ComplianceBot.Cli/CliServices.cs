using ComplianceBot.Application;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Email;
using ComplianceBot.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Cli;

/// <summary>The CLI's composition root: the same services and configuration keys as the Functions app.</summary>
public static class CliServices
{
    /// <summary>
    /// Builds the services from appsettings.json (optional, current folder), environment variables
    /// (<c>Storage__ConnectionString</c> ...) and <paramref name="overrides"/>, and validates the
    /// options now, so a missing setting is reported before any work starts. Commands that send or compose no
    /// email (import, report, retraining) pass <paramref name="email"/> false and need no <c>Email:FromAddress</c>.
    /// </summary>
    public static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?>? overrides, CancellationToken cancellationToken, bool email = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        AddSources(builder.Configuration, overrides);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);

        builder.Services
            .AddComplianceBotApplication(builder.Configuration)
            .AddStorageServices(builder.Configuration);
        if (email) builder.Services.AddEmailServices(builder.Configuration);

        var host = builder.Build();
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        await host.Services.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>
    /// The catalog in force (overrides and <c>Reminders:DefaultThresholds</c> applied), read from the same
    /// configuration without starting storage or email.
    /// </summary>
    public static CredentialCatalog Catalog(IReadOnlyDictionary<string, string?>? overrides)
    {
        var configuration = new ConfigurationManager();
        AddSources(configuration, overrides);
        using var services = new ServiceCollection().AddComplianceBotApplication(configuration).BuildServiceProvider();
        return services.GetRequiredService<CredentialCatalog>();
    }

    private static void AddSources(IConfigurationBuilder configuration, IReadOnlyDictionary<string, string?>? overrides)
    {
        configuration
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables();
        if (overrides is not null) configuration.AddInMemoryCollection(overrides);
    }
}
