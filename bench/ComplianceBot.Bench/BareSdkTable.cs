using System.Globalization;
using Azure.Data.Tables;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Bench;

/// <summary>
/// The bare-SDK baselines: what a plain <see cref="TableClient"/> with the SDK's defaults does for the same
/// work, without our repositories, operation ids, limit checks or pipeline policies.
/// </summary>
internal static class BareSdkTable
{
    /// <summary>Pages through one partition and counts its entities (the SDK still builds each <see cref="TableEntity"/>).</summary>
    public static async Task<int> CountPartitionAsync(TableClient table, string partitionKey, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var page in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), cancellationToken: cancellationToken).AsPages())
        {
            count += page.Values.Count;
        }

        return count;
    }

    /// <summary>Inserts the records as transactions of 100, as the repository stores them (same keys and properties, no operation id).</summary>
    public static async Task InsertBatchesAsync(TableClient table, string partitionKey, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in records.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, Entity(partitionKey, r))), cancellationToken);
        }
    }

    public static TableEntity Entity(string partitionKey, CredentialRecord r) => new(partitionKey, $"{r.EmployeeId}|{r.CredentialCode}")
    {
        ["IssuedOn"] = r.IssuedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["PrintedExpiresOn"] = r.PrintedExpiresOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["CredentialNumber"] = r.CredentialNumber,
        ["Source"] = r.Source,
        ["Verified"] = r.Verified,
    };
}
