using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using ComplianceBot.Application.Ports;
using Azure.Storage.Queues;
using ComplianceBot.Storage.Queues;
using ComplianceBot.Storage.Repositories;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Storage;

/// <summary>The Storage layer's one DI entry point.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="TableServiceClient"/> with <c>AddAzureClients</c> (settings bound from the
    /// <c>Storage</c> section and validated at start-up), one <see cref="TableClient"/> per table
    /// (<see cref="StorageTables"/>), and the repositories behind every storage port. Call
    /// <see cref="EnsureTablesAsync"/> once at start.
    /// </summary>
    public static IServiceCollection AddStorageServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TableStorageOptions>()
            .Bind(configuration.GetSection(TableStorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TableStorageOptions>, TableStorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddAzureClients(clients => clients
            .AddClient<TableServiceClient, TableClientOptions>((clientOptions, credential, provider) =>
                TableServiceClients.Build(provider.GetRequiredService<IOptions<TableStorageOptions>>().Value, clientOptions, credential))
            .ConfigureOptions((clientOptions, provider) => TableServiceClients.Configure(clientOptions, provider.GetRequiredService<IOptions<TableStorageOptions>>().Value))

            // Used only without a connection string: a TokenCredential the host registers, else the managed identity's chain.
            .WithCredential(provider => provider.GetService<TokenCredential>() ?? new DefaultAzureCredential()));
        services.AddAzureClients(clients => clients
            .AddClient<QueueServiceClient, QueueClientOptions>((clientOptions, credential, provider) =>
                QueueServiceClients.Build(provider.GetRequiredService<IOptions<TableStorageOptions>>().Value, clientOptions, credential))
            .ConfigureOptions((clientOptions, provider) => QueueServiceClients.Configure(clientOptions, provider.GetRequiredService<IOptions<TableStorageOptions>>().Value))
            .WithCredential(provider => provider.GetService<TokenCredential>() ?? new DefaultAzureCredential()));
        services.TryAddSingleton(provider => new StorageQueuedRuns(provider.GetRequiredService<QueueServiceClient>(), ClinicRunQueueName.In(configuration)));
        services.TryAddSingleton<IQueuedRuns>(provider => provider.GetRequiredService<StorageQueuedRuns>());
        services.TryAddSingleton(provider => new StorageTables(
            provider.GetRequiredService<TableServiceClient>(),
            provider.GetRequiredService<IOptions<TableStorageOptions>>().Value.TablePrefix));
        services.TryAddSingleton<IClinicStore, TableClinicStore>();
        services.TryAddSingleton<IStaffStore, TableStaffStore>();
        services.TryAddSingleton<ICredentialRecordStore, TableCredentialRecordStore>();
        services.TryAddSingleton<IRetrainingEventStore, TableRetrainingEventStore>();
        services.TryAddSingleton<IReminderLedger, TableReminderLedger>();
        services.TryAddSingleton<IRunWatermarkStore, TableRunWatermarkStore>();
        services.TryAddSingleton<IAuditLog, TableAuditLog>();
        services.TryAddSingleton<IDeliveryEventStore, TableDeliveryEventStore>();
        services.TryAddSingleton<ISubmissionStore, TableSubmissionStore>();

        services.AddOptions<EvidenceStorageOptions>()
            .Bind(configuration.GetSection(TableStorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EvidenceStorageOptions>, EvidenceStorageOptionsValidator>());
        services.TryAddSingleton<IEvidenceStore>(provider =>
        {
            var tables = provider.GetRequiredService<IOptions<TableStorageOptions>>().Value;
            var evidence = provider.GetRequiredService<IOptions<EvidenceStorageOptions>>().Value;
            var clientOptions = new BlobClientOptions();
            clientOptions.Retry.MaxRetries = tables.MaxRetries;
            clientOptions.Retry.Delay = tables.RetryDelay;
            clientOptions.Retry.MaxDelay = tables.MaxRetryDelay;
            var service = !string.IsNullOrWhiteSpace(tables.ConnectionString)
                ? new BlobServiceClient(tables.ConnectionString, clientOptions)
                : new BlobServiceClient(evidence.TokenEndpoint(tables), provider.GetService<TokenCredential>() ?? new DefaultAzureCredential(), clientOptions);
            return new BlobEvidenceStore(service.GetBlobContainerClient(evidence.EvidenceContainer));
        });
        return services;
    }

    /// <summary>Creates every ComplianceBot table that does not exist yet (idempotent; call at start-up).</summary>
    public static Task EnsureTablesAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<StorageTables>().EnsureCreatedAsync(cancellationToken);
    }

    private sealed class EvidenceStorageOptionsValidator(IOptions<TableStorageOptions> tables) : IValidateOptions<EvidenceStorageOptions>
    {
        public ValidateOptionsResult Validate(string? name, EvidenceStorageOptions options)
        {
            TableStorageOptions account;
            try
            {
                account = tables.Value;
            }
            catch (OptionsValidationException)
            {
                // The account settings are wrong: their own check says how, once.
                return ValidateOptionsResult.Skip;
            }

            return options.Validate(account) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
        }
    }

    private sealed class TableStorageOptionsValidator : IValidateOptions<TableStorageOptions>
    {
        public ValidateOptionsResult Validate(string? name, TableStorageOptions options) =>
            options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
