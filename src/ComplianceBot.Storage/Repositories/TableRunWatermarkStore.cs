using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Client;

namespace ComplianceBot.Storage.Repositories;

/// <summary>Watermarks: PartitionKey = encoded clinic id, RowKey = encoded job name; moved forward only, with If-Match.</summary>
public sealed class TableRunWatermarkStore(TableStorageClient client, StorageTables tables) : IRunWatermarkStore
{
    public async Task<DateOnly?> GetAsync(string clinicId, string job, CancellationToken cancellationToken = default)
    {
        var entity = await client.GetEntityAsync(tables.RunWatermarks, TableKey.Encode(clinicId), TableKey.Encode(job), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : EntityValues.Date(entity, "CompletedLocalDate");
    }

    public async Task AdvanceAsync(string clinicId, string job, DateOnly completedLocalDate, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(TableKey.Encode(clinicId), TableKey.Encode(job)) { ["CompletedLocalDate"] = EntityValues.Date(completedLocalDate) };
        for (var round = 0; ; round++)
        {
            var stored = await client.GetEntityAsync(tables.RunWatermarks, entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            try
            {
                if (stored is null)
                {
                    await client.InsertAsync(tables.RunWatermarks, entity, cancellationToken).ConfigureAwait(false);
                }
                else if (EntityValues.Date(stored, "CompletedLocalDate") < completedLocalDate)
                {
                    await client.UpdateAsync(tables.RunWatermarks, entity, stored.ETag, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (TableStorageException ex) when (ex.Status is 409 or 412 && round < 5)
            {
                // Another run moved it meanwhile; re-read and move only if we are still ahead.
            }
        }
    }
}
