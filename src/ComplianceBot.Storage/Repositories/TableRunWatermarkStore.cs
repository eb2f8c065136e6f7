using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>Watermarks: PartitionKey = encoded clinic id, RowKey = encoded job name; moved forward only, with If-Match.</summary>
public sealed class TableRunWatermarkStore(StorageTables tables) : IRunWatermarkStore
{
    public async Task<DateOnly?> GetAsync(string clinicId, string job, CancellationToken cancellationToken = default)
    {
        var entity = await tables.RunWatermarks.GetEntityOrNullAsync(TableKey.Encode(clinicId), TableKey.Encode(job), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : EntityValues.Date(entity, "CompletedLocalDate");
    }

    public async Task AdvanceAsync(string clinicId, string job, DateOnly completedLocalDate, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(TableKey.Encode(clinicId), TableKey.Encode(job)) { ["CompletedLocalDate"] = EntityValues.Date(completedLocalDate) };
        for (var round = 0; ; round++)
        {
            var stored = await tables.RunWatermarks.GetEntityOrNullAsync(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            try
            {
                if (stored is null)
                {
                    await tables.RunWatermarks.AddEntityOnceAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                else if (EntityValues.Date(stored, "CompletedLocalDate") < completedLocalDate)
                {
                    await tables.RunWatermarks.UpdateReplaceOnceAsync(entity, stored.ETag, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && round < 5)
            {
                // Another run moved it meanwhile; re-read and move only if we are still ahead.
            }
        }
    }
}
