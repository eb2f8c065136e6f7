using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Import writes for one partition: read the partition once, compare, and write only new or changed
/// rows in entity-group transactions (≤100 operations, kept well under 4 MiB). New rows are inserts and
/// changed rows are ETag-conditional updates, so a concurrent writer makes the batch fail (409/412)
/// instead of being overwritten; then the partition is re-read and the remaining rows recomputed.
/// With <c>insertFirst</c> (the caller expects the rows to be new, as in a first upload) the read is
/// skipped: the rows go straight in as inserts, and only when a batch meets a row that exists (409,
/// nothing of that batch written) does it fall back to reading and comparing what is left.
/// </summary>
internal static class PartitionUpsert
{
    private const int MaxBatchBytes = 3 * 1024 * 1024;

    /// <summary>
    /// Rounds of read-compare-write against concurrent writers of the partition. Two uploads of the same file write
    /// the same partition batch by batch at once; each round that meets the other's rows re-reads and finds more of
    /// them unchanged, so a handful of rounds settles it (three were not always enough for a 250-row partition).
    /// </summary>
    private const int MaxRounds = 8;

    /// <param name="desired">Rows of one partition with distinct RowKeys.</param>
    /// <param name="beforeWrite">
    /// Called in each round, after comparing and before writing, with the indices of rows to be created; it answers
    /// the indices of rows that must not be written at all (their outcome is then <see cref="WriteOutcome.Unchanged"/>,
    /// for the caller to replace).
    /// </param>
    public static async Task<WriteOutcome[]> RunAsync(
        TableClient table,
        string partitionKey,
        IReadOnlyList<TableEntity> desired,
        Func<IReadOnlyList<int>, Task<IReadOnlyCollection<int>>>? beforeWrite,
        CancellationToken cancellationToken,
        bool insertFirst = false)
    {
        // Every row is checked before the first batch, so a bad row cannot leave the batches before it written.
        foreach (var row in desired) TableEntities.PrepareForWrite(row);
        var final = new WriteOutcome?[desired.Count];
        if (insertFirst && beforeWrite is null && await TryInsertAllAsync(table, desired, final, cancellationToken).ConfigureAwait(false))
        {
            return final.Select(o => o!.Value).ToArray();
        }

        for (var round = 1; ; round++)
        {
            var stored = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
            await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                stored[entity.RowKey] = entity;
            }

            var pending = new List<(int Index, TableTransactionAction Action, WriteOutcome Outcome)>();
            for (var i = 0; i < desired.Count; i++)
            {
                if (final[i] is not null) continue;
                var row = desired[i];
                if (!stored.TryGetValue(row.RowKey, out var current))
                {
                    pending.Add((i, new TableTransactionAction(TableTransactionActionType.Add, row), WriteOutcome.Created));
                }
                else if (TableEntities.SameProperties(current, row))
                {
                    final[i] = WriteOutcome.Unchanged;
                }
                else
                {
                    pending.Add((i, new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, current.ETag), WriteOutcome.Updated));
                }
            }

            if (beforeWrite is not null)
            {
                var skipped = (await beforeWrite(pending.Where(p => p.Outcome == WriteOutcome.Created).Select(p => p.Index).ToList()).ConfigureAwait(false)).ToHashSet();
                foreach (var i in skipped) final[i] = WriteOutcome.Unchanged;
                pending.RemoveAll(p => skipped.Contains(p.Index));
            }

            try
            {
                foreach (var batch in Chunk(pending))
                {
                    await table.SubmitTransactionOnceAsync(batch.Select(p => p.Action).ToList(), cancellationToken).ConfigureAwait(false);
                    foreach (var p in batch) final[p.Index] = p.Outcome;
                }

                return final.Select(o => o!.Value).ToArray();
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && round < MaxRounds)
            {
                // Someone wrote this partition since we read it: read again and redo what is left.
            }
        }
    }

    /// <summary>Inserts every row, batch by batch; false (with the written batches marked) at the first batch that meets an existing row.</summary>
    private static async Task<bool> TryInsertAllAsync(TableClient table, IReadOnlyList<TableEntity> desired, WriteOutcome?[] final, CancellationToken cancellationToken)
    {
        var inserts = desired.Select((row, i) => (i, new TableTransactionAction(TableTransactionActionType.Add, row), WriteOutcome.Created)).ToList();
        foreach (var batch in Chunk(inserts))
        {
            try
            {
                await table.SubmitTransactionOnceAsync(batch.Select(p => p.Action).ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // A row of this batch exists already; the batch wrote nothing. Compare the rest instead.
                return false;
            }

            foreach (var p in batch) final[p.Index] = p.Outcome;
        }

        return true;
    }

    private static IEnumerable<List<(int Index, TableTransactionAction Action, WriteOutcome Outcome)>> Chunk(List<(int Index, TableTransactionAction Action, WriteOutcome Outcome)> pending)
    {
        var batch = new List<(int, TableTransactionAction, WriteOutcome)>();
        long bytes = 0;
        foreach (var item in pending)
        {
            var size = TableEntities.EstimateBatchBytes((TableEntity)item.Action.Entity);
            if (batch.Count == TableClientExtensions.MaxTransactionActions || (batch.Count > 0 && bytes + size > MaxBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(item);
            bytes += size;
        }

        if (batch.Count > 0) yield return batch;
    }
}
