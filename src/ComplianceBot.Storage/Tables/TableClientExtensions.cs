using Azure;
using Azure.Data.Tables;

namespace ComplianceBot.Storage.Tables;

/// <summary>
/// What the repositories need from a <see cref="TableClient"/> beyond the SDK:
/// <list type="bullet">
/// <item>Every write is stamped with an operation id (<see cref="TableEntities.OperationIdProperty"/>) and checked
/// against the service's limits first. The SDK retries writes blindly, so when an attempt was applied but
/// its answer lost, the retry meets our own row: 409 for an add, 412 for an ETag-conditional write, 404 for a
/// delete. After a retry such an answer is checked by reading the row back; if it carries our id (or is
/// gone, for a delete) the write is reported as the success it was (reliability.md §1.2,
/// azure-sdk-for-net #39146). Without a retry a 409/412 is someone else's and is thrown as it came.</item>
/// <item>Transactions are refused before sending when they break the service's rules: more than 100
/// operations, two partitions (Azurite accepts that, Azure does not), a row twice, or over 4 MiB.</item>
/// </list>
/// Failures are the SDK's own exceptions: <see cref="RequestFailedException"/> (status 0 when no answer came,
/// see <see cref="NoAnswerPolicy"/>) and <see cref="TableTransactionFailedException"/> with its
/// <see cref="TableTransactionFailedException.FailedTransactionActionIndex"/>.
/// </summary>
internal static class TableClientExtensions
{
    public const int MaxTransactionActions = 100;

    /// <summary>Entity-group transaction body limit of the service.</summary>
    public const long MaxTransactionBytes = 4L * 1024 * 1024;

    /// <summary>The entity, or null when it does not exist.</summary>
    public static async Task<TableEntity?> GetEntityOrNullAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        TableKey.Validate(partitionKey, nameof(partitionKey));
        TableKey.Validate(rowKey, nameof(rowKey));
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Inserts a new row; 409 (<c>EntityAlreadyExists</c>) when someone else's row has the key. Returns the new ETag.</summary>
    public static Task<ETag> AddEntityOnceAsync(this TableClient table, TableEntity entity, CancellationToken cancellationToken) =>
        WriteAsync(table, entity, recognise: status => status == 409, (t, e, ct) => t.AddEntityAsync(e, ct), cancellationToken);

    /// <summary>Replaces the row when its ETag is still <paramref name="ifMatch"/>: 412 when it changed, 404 when it is gone. Returns the new ETag.</summary>
    public static Task<ETag> UpdateReplaceOnceAsync(this TableClient table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken)
    {
        if (ifMatch == default || ifMatch == ETag.All)
        {
            throw new ArgumentException("A conditional replace needs the row's ETag; '*' would overwrite blindly.", nameof(ifMatch));
        }

        return WriteAsync(table, entity, recognise: status => status == 412, (t, e, ct) => t.UpdateEntityAsync(e, ifMatch, TableUpdateMode.Replace, ct), cancellationToken);
    }

    /// <summary>Insert-or-replace, last writer wins: only for rows derived from others (indexes, events keyed by their content).</summary>
    public static Task<ETag> UpsertReplaceAsync(this TableClient table, TableEntity entity, CancellationToken cancellationToken) =>
        WriteAsync(table, entity, recognise: _ => false, (t, e, ct) => t.UpsertEntityAsync(e, TableUpdateMode.Replace, ct), cancellationToken);

    /// <summary>
    /// Deletes the row when its ETag matches (<see cref="ETag.All"/>: whatever it is). False when there was no
    /// such row; true when a retry found it gone after our first attempt's answer was lost. 412 on a stale ETag.
    /// </summary>
    public static async Task<bool> DeleteEntityOnceAsync(this TableClient table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        TableKey.Validate(partitionKey, nameof(partitionKey));
        TableKey.Validate(rowKey, nameof(rowKey));
        AttemptCount attempts;
        Response response;
        using (AttemptCount.Track(out attempts))
        {
            response = await table.DeleteEntityAsync(partitionKey, rowKey, ifMatch, cancellationToken).ConfigureAwait(false);
        }

        // The SDK answers a delete of a missing row with its 404 response rather than an exception.
        return response.Status != 404 || attempts.MayHaveRetried;
    }

    /// <summary>
    /// Runs <paramref name="actions"/> as one entity-group transaction after checking the service's rules
    /// (1–100 operations, one partition, each row once, body within 4 MiB). Nothing is written when it fails.
    /// </summary>
    public static async Task SubmitTransactionOnceAsync(this TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var operationIds = CheckTransaction(actions);
        using (AttemptCount.Track(out var attempts))
        {
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException ex) when (attempts.MayHaveRetried && ex.Status is 404 or 409 or 412)
            {
                // After a retry, the failure may be an earlier attempt's commit whose answer was lost.
                if (!await AllAppliedAsync(table, actions, operationIds, cancellationToken).ConfigureAwait(false)) throw;
            }
        }
    }

    /// <summary>Checks the transaction rules and stamps every non-delete entity; returns the operation ids (null for deletes).</summary>
    internal static string?[] CheckTransaction(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxTransactionActions)
        {
            throw new ArgumentException($"A transaction holds 1 to {MaxTransactionActions} operations; got {actions.Count}.", nameof(actions));
        }

        var partitionKey = actions[0].Entity.PartitionKey;
        var rowKeys = new HashSet<string>(StringComparer.Ordinal);
        var operationIds = new string?[actions.Count];
        long bytes = 0;
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (!string.Equals(entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Operation {i} is for partition '{entity.PartitionKey}'; a transaction covers one partition ('{partitionKey}').", nameof(actions));
            }

            if (!rowKeys.Add(entity.RowKey)) throw new ArgumentException($"Operation {i} repeats row '{entity.RowKey}'; a transaction may touch each entity once.", nameof(actions));
            if (actions[i].ActionType == TableTransactionActionType.Delete)
            {
                TableKey.Validate(entity.PartitionKey, nameof(entity.PartitionKey));
                TableKey.Validate(entity.RowKey, nameof(entity.RowKey));
            }
            else
            {
                if (entity is not TableEntity tableEntity) throw new ArgumentException($"Operation {i} must carry a {nameof(TableEntity)}.", nameof(actions));
                TableEntities.PrepareForWrite(tableEntity);
                operationIds[i] = TableEntities.Stamp(tableEntity);
            }

            bytes += entity is TableEntity e ? TableEntities.EstimateBatchBytes(e) : 512;
        }

        if (bytes > MaxTransactionBytes)
        {
            throw new ArgumentException($"The transaction may be up to {bytes} bytes; the service allows 4 MiB. Split it.", nameof(actions));
        }

        return operationIds;
    }

    private static async Task<ETag> WriteAsync(
        TableClient table,
        TableEntity entity,
        Func<int, bool> recognise,
        Func<TableClient, TableEntity, CancellationToken, Task<Response>> write,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        TableEntities.PrepareForWrite(entity);
        var operationId = TableEntities.Stamp(entity);
        using (AttemptCount.Track(out var attempts))
        {
            try
            {
                var response = await write(table, entity, cancellationToken).ConfigureAwait(false);
                entity.ETag = response.Headers.ETag ?? default;
            }
            catch (RequestFailedException ex) when (attempts.MayHaveRetried && recognise(ex.Status))
            {
                var stored = await table.GetEntityOrNullAsync(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
                if (!TableEntities.CarriesOperation(stored, operationId)) throw;
                entity.ETag = stored.ETag;
            }
        }

        return entity.ETag;
    }

    private static async Task<bool> AllAppliedAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, string?[] operationIds, CancellationToken cancellationToken)
    {
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            var stored = await table.GetEntityOrNullAsync(entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            var applied = operationIds[i] is { } id ? TableEntities.CarriesOperation(stored, id) : stored is null;
            if (!applied) return false;
        }

        return true;
    }
}
