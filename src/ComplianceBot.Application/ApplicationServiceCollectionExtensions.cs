using ComplianceBot.Domain.Catalog;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Application;

/// <summary>Where an organization's catalog overrides live.</summary>
public sealed class CatalogOptions
{
    /// <summary>
    /// Optional path to a JSON file that overrides catalog entries (thresholds, switching a practice
    /// default off, extra credential types). Config key <c>Catalog:OverridesPath</c>.
    /// </summary>
    public string? OverridesPath { get; set; }
}

public static class ApplicationServiceCollectionExtensions
{
    /// <summary>
    /// Registers the domain services both composition roots use: catalog, requirement policy,
    /// evaluator, planner, the run, report and import services. Binds <c>Reminders</c> and <c>Catalog</c>.
    /// </summary>
    public static IServiceCollection AddComplianceBotApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<ReminderSettings>()
            .Bind(configuration.GetSection("Reminders"))
            .Validate(s => s.OverdueRepeatDays > 0 && s.MaxSendAttempts > 0 && s.SendConcurrency > 0 && s.ClinicConcurrency > 0,
                "Reminders: OverdueRepeatDays, MaxSendAttempts, SendConcurrency and ClinicConcurrency must be positive.")
            .Validate(s => s.SendWindowHours is > 0 and <= 24, "Reminders:SendWindowHours must be between 1 and 24.")
            .ValidateOnStart();
        services.AddOptions<CatalogOptions>()
            .Bind(configuration.GetSection("Catalog"))
            .Validate(o => o.OverridesPath is null || File.Exists(o.OverridesPath), "Catalog:OverridesPath names a file that does not exist.")
            .ValidateOnStart();

        services.TryAddSingleton(sp =>
        {
            var path = sp.GetRequiredService<IOptions<CatalogOptions>>().Value.OverridesPath;
            if (string.IsNullOrEmpty(path)) return CredentialCatalog.Default;
            using var stream = File.OpenRead(path);
            return CredentialCatalog.Default.WithOverrides(stream);
        });
        services.TryAddSingleton(RequirementPolicy.Default);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ReminderSettings>>().Value);
        services.TryAddSingleton<ComplianceEvaluator>();
        services.TryAddSingleton<ReminderPlanner>();
        services.TryAddSingleton<ReminderRunService>();
        services.TryAddSingleton<ComplianceReportService>();
        services.TryAddSingleton<ImportService>();
        return services;
    }
}
