using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Credential records: PartitionKey = encoded clinic id, RowKey = encoded employee id + <c>|</c> +
/// encoded credential code. One partition query reads a clinic; a RowKey range reads one person.
/// </summary>
public sealed class TableCredentialRecordStore(StorageTables tables) : ICredentialRecordStore
{
    internal const char Separator = '|';

    public async Task<IReadOnlyList<CredentialRecord>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        var records = new List<CredentialRecord>();
        await foreach (var entity in tables.CredentialRecords.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(clinicId)}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            records.Add(ToRecord(entity));
        }

        return records;
    }

    public async Task<IReadOnlyList<CredentialRecord>> ListByStaffAsync(string clinicId, string employeeId, CancellationToken cancellationToken = default)
    {
        var records = new List<CredentialRecord>();
        await foreach (var entity in tables.CredentialRecords.QueryAsync<TableEntity>(PersonFilter(clinicId, employeeId), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            records.Add(ToRecord(entity));
        }

        return records;
    }

    /// <summary>
    /// Carries a person's records over when they move clinic: copied into the new clinic's partition
    /// first, then removed from the old one, so a move cut off half-way loses nothing and is simply
    /// repeated by the next write (copies replace copies).
    /// </summary>
    internal static async Task MoveAsync(StorageTables tables, string employeeId, string fromClinicId, string toClinicId, CancellationToken cancellationToken)
    {
        var old = new List<TableEntity>();
        await foreach (var entity in tables.CredentialRecords.QueryAsync<TableEntity>(PersonFilter(fromClinicId, employeeId), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            old.Add(entity);
        }

        if (old.Count == 0) return;
        var to = TableKey.Encode(toClinicId);
        foreach (var batch in old.Chunk(TableClientExtensions.MaxTransactionActions))
        {
            var copies = batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(to, ToRecord(e)))).ToList();
            await tables.CredentialRecords.SubmitTransactionOnceAsync(copies, cancellationToken).ConfigureAwait(false);
        }

        foreach (var batch in old.Chunk(TableClientExtensions.MaxTransactionActions))
        {
            var deletes = batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(e.PartitionKey, e.RowKey), ETag.All)).ToList();
            await tables.CredentialRecords.SubmitTransactionOnceAsync(deletes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Folds a second copy of a person's records into the clinic kept by a roster repair: the records the kept clinic
    /// lacks are copied over (it keeps its own where both have one), then every record of the other clinic is deleted.
    /// </summary>
    internal static async Task MergeAsync(StorageTables tables, string employeeId, string fromClinicId, string toClinicId, CancellationToken cancellationToken)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entity in tables.CredentialRecords.QueryAsync<TableEntity>(PersonFilter(toClinicId, employeeId), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            kept.Add(entity.RowKey);
        }

        var old = new List<TableEntity>();
        await foreach (var entity in tables.CredentialRecords.QueryAsync<TableEntity>(PersonFilter(fromClinicId, employeeId), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            old.Add(entity);
        }

        var to = TableKey.Encode(toClinicId);
        foreach (var batch in old.Where(e => !kept.Contains(e.RowKey)).Chunk(TableClientExtensions.MaxTransactionActions))
        {
            await tables.CredentialRecords.SubmitTransactionOnceAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(to, ToRecord(e)))).ToList(), cancellationToken).ConfigureAwait(false);
        }

        foreach (var batch in old.Chunk(TableClientExtensions.MaxTransactionActions))
        {
            var deletes = batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(e.PartitionKey, e.RowKey), ETag.All)).ToList();
            await tables.CredentialRecords.SubmitTransactionOnceAsync(deletes, cancellationToken).ConfigureAwait(false);
        }
    }

    // '|' is escaped inside parts, so "emp|" .. "emp}" ('}' follows '|') is exactly this person's rows.
    private static string PersonFilter(string clinicId, string employeeId)
    {
        var prefix = TableKey.Compose(Separator, employeeId);
        var from = prefix + Separator;
        var to = prefix + (char)(Separator + 1);
        return TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(clinicId)} and RowKey ge {from} and RowKey lt {to}");
    }

    public Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(string clinicId, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default) =>
        UpsertManyAsync(clinicId, records, expectNew: false, cancellationToken);

    public Task<IReadOnlyList<WriteOutcome>> UpsertManyExpectingNewAsync(string clinicId, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default) =>
        UpsertManyAsync(clinicId, records, expectNew: true, cancellationToken);

    private Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(string clinicId, IReadOnlyList<CredentialRecord> records, bool expectNew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var partition = TableKey.Encode(clinicId);
        var entities = records.Select(r => ToEntity(partition, r)).ToList();
        var duplicate = entities.GroupBy(e => e.RowKey, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"A record for the same employee and credential appears more than once (row {entities.IndexOf(duplicate.Last())}).", nameof(records));
        }

        return UpsertAsync(partition, entities, expectNew, cancellationToken);
    }

    internal static TableEntity ToEntity(string partition, CredentialRecord r) => new(partition, TableKey.Compose(Separator, r.EmployeeId, r.CredentialCode))
    {
        ["IssuedOn"] = EntityValues.Date(r.IssuedOn),
        ["PrintedExpiresOn"] = EntityValues.Date(r.PrintedExpiresOn),
        ["CredentialNumber"] = r.CredentialNumber,
        ["Source"] = r.Source,
        ["Verified"] = r.Verified,
        ["CertifiedOn"] = EntityValues.Date(r.CertifiedOn),
        ["Evidence"] = r.Evidence,
        ["VerifiedBy"] = r.VerifiedBy,
        ["VerifiedAt"] = r.VerifiedAt,
    };

    private static CredentialRecord ToRecord(TableEntity e)
    {
        var parts = TableKey.Split(Separator, e.RowKey);
        return new CredentialRecord(
            parts[0],
            parts[1],
            EntityValues.Date(e, "IssuedOn"),
            EntityValues.Date(e, "PrintedExpiresOn"),
            e.GetString("CredentialNumber"),
            e.GetString("Source") ?? string.Empty,
            e.GetBoolean("Verified") ?? false,
            EntityValues.Date(e, "CertifiedOn"),
            e.GetString("Evidence"),
            e.GetString("VerifiedBy"),
            e.GetDateTimeOffset("VerifiedAt"));
    }

    private async Task<IReadOnlyList<WriteOutcome>> UpsertAsync(string partition, List<TableEntity> entities, bool expectNew, CancellationToken cancellationToken) =>
        await PartitionUpsert.RunAsync(tables.CredentialRecords, partition, entities, null, cancellationToken, insertFirst: expectNew).ConfigureAwait(false);
}
