using System.Globalization;
using ComplianceBot.Application.Ports;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Append-only audit log: PartitionKey = encoded clinic id, RowKey = UTC ticks (19 digits) + <c>-</c> + a
/// random id, so a time range is a RowKey range and rows sort oldest first. Writes are inserts only: an
/// attempt to write an existing key fails with 409 instead of overwriting.
/// </summary>
public sealed class TableAuditLog(StorageTables tables) : IAuditLog
{
    public async Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = new TableEntity(TableKey.Encode(record.ClinicId), $"{Ticks(record.At)}-{Guid.NewGuid():N}")
        {
            ["At"] = record.At,
            ["Actor"] = record.Actor,
            ["Action"] = record.Action,
            ["Target"] = record.Target,
            ["Outcome"] = record.Outcome,
            ["Detail"] = record.Detail,
        };
        await tables.AuditLog.AddEntityOnceAsync(entity, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(string clinicId, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(clinicId)} and RowKey ge {Ticks(fromInclusive)} and RowKey lt {Ticks(toExclusive)}");
        var records = new List<AuditRecord>();
        await foreach (var e in tables.AuditLog.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            records.Add(new AuditRecord(
                e.GetDateTimeOffset("At")!.Value,
                e.GetString("Actor") ?? string.Empty,
                e.GetString("Action") ?? string.Empty,
                clinicId,
                e.GetString("Target") ?? string.Empty,
                e.GetString("Outcome") ?? string.Empty,
                e.GetString("Detail")));
        }

        return records;
    }

    /// <summary>
    /// One query over every partition: a RowKey range (the time window) and the actions, filtered by the service.
    /// For the rare questions about the whole log, such as imports that never finished.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> ListActionsAsync(IReadOnlyCollection<string> actions, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0) return [];
        var actionFilter = string.Join(" or ", actions.Select(a => TableClient.CreateQueryFilter($"Action eq {a}")));
        var filter = TableClient.CreateQueryFilter($"RowKey ge {Ticks(fromInclusive)} and RowKey lt {Ticks(toExclusive)}") + $" and ({actionFilter})";
        var records = new List<AuditRecord>();
        await foreach (var e in tables.AuditLog.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            records.Add(ToRecord(e, TableKey.Decode(e.PartitionKey)));
        }

        return records.OrderBy(r => r.At).ToList();
    }

    private static AuditRecord ToRecord(TableEntity e, string clinicId) => new(
        e.GetDateTimeOffset("At")!.Value,
        e.GetString("Actor") ?? string.Empty,
        e.GetString("Action") ?? string.Empty,
        clinicId,
        e.GetString("Target") ?? string.Empty,
        e.GetString("Outcome") ?? string.Empty,
        e.GetString("Detail"));

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
