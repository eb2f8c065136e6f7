using System.Globalization;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Organization-wide retraining events, few and read whole: one partition (<c>retraining</c>),
/// RowKey = effective date | code | clinic (or <c>*</c>), so adding the same event twice writes one row.
/// </summary>
public sealed class TableRetrainingEventStore(StorageTables tables) : IRetrainingEventStore
{
    private const string Partition = "retraining";

    public async Task<IReadOnlyList<RetrainingEvent>> ListAsync(CancellationToken cancellationToken = default)
    {
        var events = new List<RetrainingEvent>();
        await foreach (var e in tables.RetrainingEvents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            events.Add(new RetrainingEvent(
                EntityValues.Required(e, "CredentialCode"),
                EntityValues.Date(e, "EffectiveOn")!.Value,
                e.GetInt32("DueWithinDays") ?? 0,
                e.GetString("Description") ?? string.Empty,
                e.GetString("ClinicId")));
        }

        return events;
    }

    public async Task AddAsync(RetrainingEvent retrainingEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(retrainingEvent);
        var rowKey = TableKey.Compose('|', retrainingEvent.EffectiveOn.ToString("yyyyMMdd", CultureInfo.InvariantCulture), retrainingEvent.CredentialCode, retrainingEvent.ClinicId ?? "*");
        var entity = new TableEntity(Partition, rowKey)
        {
            ["CredentialCode"] = retrainingEvent.CredentialCode,
            ["EffectiveOn"] = EntityValues.Date(retrainingEvent.EffectiveOn),
            ["DueWithinDays"] = retrainingEvent.DueWithinDays,
            ["Description"] = retrainingEvent.Description,
            ["ClinicId"] = retrainingEvent.ClinicId,
        };
        await tables.RetrainingEvents.UpsertReplaceAsync(entity, cancellationToken).ConfigureAwait(false);
    }
}
