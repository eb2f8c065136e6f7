using ComplianceBot.Storage.Client;

namespace ComplianceBot.Storage.Repositories;

/// <summary>The table names of one deployment (optionally prefixed, see <see cref="TableStorageClientOptions.TablePrefix"/>).</summary>
public sealed class StorageTables(string prefix)
{
    public string Clinics { get; } = prefix + "Clinics";

    public string Staff { get; } = prefix + "Staff";

    public string EmployeeIndex { get; } = prefix + "EmployeeIndex";

    public string CredentialRecords { get; } = prefix + "CredentialRecords";

    public string RetrainingEvents { get; } = prefix + "RetrainingEvents";

    public string ReminderLedger { get; } = prefix + "ReminderLedger";

    public string RunWatermarks { get; } = prefix + "RunWatermarks";

    public string AuditLog { get; } = prefix + "AuditLog";

    public string DeliveryEvents { get; } = prefix + "DeliveryEvents";

    public string DeliveryStatus { get; } = prefix + "DeliveryStatus";

    public IReadOnlyList<string> All =>
        [Clinics, Staff, EmployeeIndex, CredentialRecords, RetrainingEvents, ReminderLedger, RunWatermarks, AuditLog, DeliveryEvents, DeliveryStatus];

    /// <summary>Creates every table that does not exist yet. Safe to call on every start.</summary>
    public async Task EnsureCreatedAsync(TableStorageClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        await Task.WhenAll(All.Select(table => client.CreateTableIfNotExistsAsync(table, cancellationToken))).ConfigureAwait(false);
    }
}
