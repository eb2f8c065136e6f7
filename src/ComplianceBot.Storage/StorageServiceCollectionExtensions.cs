using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Client;
using ComplianceBot.Storage.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Storage;

/// <summary>The Storage layer's one DI entry point.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Table Storage client (bound from the <c>Storage</c> section and validated at start-up)
    /// and the repositories behind every storage port. Call <see cref="EnsureTablesAsync"/> once at start.
    /// </summary>
    public static IServiceCollection AddStorageServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TableStorageClientOptions>()
            .Bind(configuration.GetSection(TableStorageClientOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TableStorageClientOptions>, TableStorageClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        // The wall clock, not the app's business clock: x-ms-date must be real (the service rejects
        // requests older than 15 minutes) and retry delays must elapse even when tests fake "today".
        services.TryAddSingleton(sp => new TableStorageClient(
            sp.GetRequiredService<IOptions<TableStorageClientOptions>>().Value,
            TimeProvider.System,
            sp.GetService<ILogger<TableStorageClient>>()));
        services.TryAddSingleton(sp => new StorageTables(sp.GetRequiredService<IOptions<TableStorageClientOptions>>().Value.TablePrefix));
        services.TryAddSingleton<IClinicStore, TableClinicStore>();
        services.TryAddSingleton<IStaffStore, TableStaffStore>();
        services.TryAddSingleton<ICredentialRecordStore, TableCredentialRecordStore>();
        services.TryAddSingleton<IRetrainingEventStore, TableRetrainingEventStore>();
        services.TryAddSingleton<IReminderLedger, TableReminderLedger>();
        services.TryAddSingleton<IRunWatermarkStore, TableRunWatermarkStore>();
        services.TryAddSingleton<IAuditLog, TableAuditLog>();
        services.TryAddSingleton<IDeliveryEventStore, TableDeliveryEventStore>();
        return services;
    }

    /// <summary>Creates every ComplianceBot table that does not exist yet (idempotent; call at start-up).</summary>
    public static Task EnsureTablesAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<StorageTables>().EnsureCreatedAsync(services.GetRequiredService<TableStorageClient>(), cancellationToken);
    }

    private sealed class TableStorageClientOptionsValidator : IValidateOptions<TableStorageClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, TableStorageClientOptions options) =>
            options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
