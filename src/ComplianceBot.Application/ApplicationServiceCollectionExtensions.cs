using ComplianceBot.Application.Renewals;
using ComplianceBot.Application.Retraining;
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
    /// evaluator, planner, the run, report, import and retraining-event services. Binds <c>Reminders</c> and <c>Catalog</c>.
    /// </summary>
    public static IServiceCollection AddComplianceBotApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);

        var thresholds = ReadDefaultThresholds(configuration.GetSection("Reminders:DefaultThresholds"));
        services.AddOptions<ReminderSettings>()
            .Bind(configuration.GetSection("Reminders"))
            .Validate(s => s.OverdueRepeatDays > 0 && s.MaxSendAttempts > 0 && s.SendConcurrency > 0 && s.ClinicConcurrency > 0,
                "Reminders: OverdueRepeatDays, MaxSendAttempts, SendConcurrency and ClinicConcurrency must be positive.")
            .Validate(s => s.SendWindowHours is > 0 and <= 24, "Reminders:SendWindowHours must be between 1 and 24.")
            .Validate(_ => thresholds.Valid, "Reminders:DefaultThresholds must be whole numbers of days, zero or more, e.g. 90,60,30,14,7,1,0.")
            .ValidateOnStart();
        services.AddOptions<RenewalOptions>()
            .Bind(configuration.GetSection(RenewalOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RenewalOptions>, RenewalOptionsValidator>());
        services.AddOptions<CatalogOptions>()
            .Bind(configuration.GetSection("Catalog"))
            .Validate(o => o.OverridesPath is null || File.Exists(o.OverridesPath), "Catalog:OverridesPath names a file that does not exist.")
            .ValidateOnStart();

        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<ReminderSettings>();
            var path = sp.GetRequiredService<IOptions<CatalogOptions>>().Value.OverridesPath;
            if (string.IsNullOrEmpty(path)) return CredentialCatalog.Default.WithDefaultThresholds(settings.DefaultThresholds);
            using var stream = File.OpenRead(path);
            return CredentialCatalog.Default.WithOverrides(stream).WithDefaultThresholds(settings.DefaultThresholds);
        });
        services.TryAddSingleton(RequirementPolicy.Default);
        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<ReminderSettings>>().Value;
            return thresholds.Days is { } days ? settings with { DefaultThresholds = days } : settings;
        });
        services.TryAddSingleton<ComplianceEvaluator>();
        services.TryAddSingleton<ReminderPlanner>();
        services.TryAddSingleton<ReminderRunService>();
        services.TryAddSingleton<ComplianceReportService>();
        services.TryAddSingleton<ImportService>();
        services.TryAddSingleton<RosterCheckService>();
        services.TryAddSingleton<RetrainingEventService>();
        services.TryAddSingleton<RenewalTokens>();
        services.TryAddSingleton<EvidenceUpload>();
        services.TryAddSingleton<SelfServiceRenewalService>();
        services.TryAddSingleton<EvidenceService>();
        services.TryAddSingleton<VerificationService>();
        return services;
    }

    /// <summary>Fails the start with the message naming the renewal setting that is wrong.</summary>
    private sealed class RenewalOptionsValidator : IValidateOptions<RenewalOptions>
    {
        public ValidateOptionsResult Validate(string? name, RenewalOptions options) =>
            options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    /// <summary>
    /// <c>Reminders:DefaultThresholds</c> as written: one value <c>45,10</c> (an environment variable), or a
    /// JSON array (indexed keys). Read here rather than by the binder, which would add an array's days to the
    /// built-in ones instead of replacing them.
    /// </summary>
    private static (IReadOnlyList<int>? Days, bool Valid) ReadDefaultThresholds(IConfigurationSection section)
    {
        var texts = section.Value is { } value
            ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : section.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (texts.Length == 0) return (null, section.Value is null);
        var days = new List<int>(texts.Length);
        foreach (var text in texts)
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var day)) return (null, false);
            days.Add(day);
        }

        return (days, true);
    }
}
