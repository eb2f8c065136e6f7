using Azure.Data.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// The app's tables, one <see cref="TableClient"/> each, all sharing the service client's pipeline (retries,
/// timeouts, authentication). Names carry the optional <see cref="TableStorageOptions.TablePrefix"/>.
/// </summary>
public sealed class StorageTables
{
    public StorageTables(TableServiceClient service, string prefix)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(prefix);
        Clinics = service.GetTableClient(prefix + "Clinics");
        Staff = service.GetTableClient(prefix + "Staff");
        EmployeeIndex = service.GetTableClient(prefix + "EmployeeIndex");
        CredentialRecords = service.GetTableClient(prefix + "CredentialRecords");
        RetrainingEvents = service.GetTableClient(prefix + "RetrainingEvents");
        ReminderLedger = service.GetTableClient(prefix + "ReminderLedger");
        RunWatermarks = service.GetTableClient(prefix + "RunWatermarks");
        AuditLog = service.GetTableClient(prefix + "AuditLog");
        DeliveryEvents = service.GetTableClient(prefix + "DeliveryEvents");
        DeliveryStatus = service.GetTableClient(prefix + "DeliveryStatus");
        Submissions = service.GetTableClient(prefix + "Submissions");
    }

    public TableClient Clinics { get; }

    public TableClient Staff { get; }

    public TableClient EmployeeIndex { get; }

    public TableClient CredentialRecords { get; }

    public TableClient RetrainingEvents { get; }

    public TableClient ReminderLedger { get; }

    public TableClient RunWatermarks { get; }

    public TableClient AuditLog { get; }

    public TableClient DeliveryEvents { get; }

    public TableClient DeliveryStatus { get; }

    public TableClient Submissions { get; }

    public IReadOnlyList<TableClient> All =>
        [Clinics, Staff, EmployeeIndex, CredentialRecords, RetrainingEvents, ReminderLedger, RunWatermarks, AuditLog, DeliveryEvents, DeliveryStatus, Submissions];

    /// <summary>Creates every table that does not exist yet. Safe to call on every start.</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(All.Select(table => table.CreateIfNotExistsAsync(cancellationToken)));
}
