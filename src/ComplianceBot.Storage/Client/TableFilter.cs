namespace ComplianceBot.Storage.Client;

/// <summary>
/// OData filter pieces for Query Entities
/// (https://learn.microsoft.com/rest/api/storageservices/querying-tables-and-entities).
/// String literals double their single quotes; never splice raw values into a filter.
/// </summary>
public static class TableFilter
{
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    public static string PartitionKeyEquals(string partitionKey) => $"PartitionKey eq {Literal(partitionKey)}";

    /// <summary>One partition's rows whose RowKey lies in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>).</summary>
    public static string RowKeyRange(string partitionKey, string fromInclusive, string toExclusive) =>
        $"PartitionKey eq {Literal(partitionKey)} and RowKey ge {Literal(fromInclusive)} and RowKey lt {Literal(toExclusive)}";
}
