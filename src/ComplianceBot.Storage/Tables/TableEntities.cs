using System.Diagnostics.CodeAnalysis;
using Azure.Data.Tables;

namespace ComplianceBot.Storage.Tables;

/// <summary>
/// Our conventions on the SDK's <see cref="TableEntity"/> that the SDK leaves to us: the operation-id stamp,
/// comparing a stored row with a desired one, and the service's limits checked before anything is sent
/// (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
/// </summary>
internal static class TableEntities
{
    /// <summary>Property stamped on every write, so a retried write that meets its own earlier success is recognised.</summary>
    public const string OperationIdProperty = "OpId";

    /// <summary>A string property may hold 64 KiB of UTF-16, i.e. 32 Ki characters.</summary>
    public const int MaxStringChars = 32 * 1024;

    public const int MaxBinaryBytes = 64 * 1024;

    public const int MaxEntityBytes = 1024 * 1024;

    public const int MaxCustomProperties = 252;

    /// <summary>Stamps a fresh operation id on <paramref name="entity"/> and returns it.</summary>
    public static string Stamp(TableEntity entity)
    {
        var id = Guid.NewGuid().ToString("N");
        entity[OperationIdProperty] = id;
        return id;
    }

    /// <summary>True when <paramref name="stored"/> carries <paramref name="operationId"/>: the write that stamped it landed.</summary>
    public static bool CarriesOperation([NotNullWhen(true)] TableEntity? stored, string operationId) =>
        stored is not null && stored.TryGetValue(OperationIdProperty, out var value) && value is string id && id == operationId;

    /// <summary>True for the dictionary keys the SDK keeps beside the custom properties of an entity it read.</summary>
    public static bool IsSystemProperty(string name) =>
        name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    /// <summary>True when every custom property except <see cref="OperationIdProperty"/> is equal in both rows (nulls count as absent).</summary>
    public static bool SameProperties(TableEntity stored, TableEntity desired)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(desired);
        var compared = 0;
        foreach (var (name, value) in desired)
        {
            if (value is null || IsSystemProperty(name) || name == OperationIdProperty) continue;
            if (!stored.TryGetValue(name, out var storedValue) || !ValueEquals(value, storedValue)) return false;
            compared++;
        }

        var storedCount = 0;
        foreach (var (name, value) in stored)
        {
            if (value is not null && !IsSystemProperty(name) && name != OperationIdProperty) storedCount++;
        }

        return storedCount == compared;
    }

    /// <summary>
    /// Makes <paramref name="entity"/> ready to send: null properties are dropped (they were never stored, so
    /// rows keep their shape), then keys and the service's size limits are checked. Throws
    /// <see cref="ArgumentException"/> naming the key, property or limit, before any request.
    /// </summary>
    public static void PrepareForWrite(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        TableKey.Validate(entity.PartitionKey, nameof(entity.PartitionKey));
        TableKey.Validate(entity.RowKey, nameof(entity.RowKey));
        List<string>? nulls = null;
        var custom = 0;

        // Size as the service counts it: 4 + 2 * (len(PK) + len(RK)) + per property 8 + 2 * len(name) + value size.
        long size = 4 + (2L * (entity.PartitionKey.Length + entity.RowKey.Length));
        foreach (var (name, value) in entity)
        {
            if (IsSystemProperty(name)) continue;
            if (value is null)
            {
                (nulls ??= []).Add(name);
                continue;
            }

            custom++;
            if (name.Length > 255) throw new ArgumentException($"Property name '{name[..32]}...' is longer than 255 characters.", nameof(entity));
            size += 8 + (2L * name.Length) + value switch
            {
                string s when s.Length > MaxStringChars => throw new ArgumentException(
                    $"Property '{name}' is {s.Length} characters ({2L * s.Length} bytes as UTF-16); Table Storage allows 64 KiB ({MaxStringChars} characters) per string property.", nameof(entity)),
                byte[] b when b.Length > MaxBinaryBytes => throw new ArgumentException(
                    $"Property '{name}' is {b.Length} bytes; Table Storage allows 64 KiB per binary property.", nameof(entity)),
                string s => 4 + (2L * s.Length),
                byte[] b => 4 + b.Length,
                Guid => 16,
                bool => 1,
                int => 4,
                long or double or DateTimeOffset or DateTime => 8,
                _ => throw new ArgumentException($"Property '{name}' has type {value.GetType().Name}, which this adapter does not store.", nameof(entity)),
            };
        }

        if (custom > MaxCustomProperties)
        {
            throw new ArgumentException($"The entity has {custom} properties; Table Storage allows {MaxCustomProperties}.", nameof(entity));
        }

        if (size > MaxEntityBytes)
        {
            throw new ArgumentException($"The entity is about {size} bytes; Table Storage allows 1 MiB per entity.", nameof(entity));
        }

        if (nulls is not null)
        {
            foreach (var name in nulls) entity.Remove(name);
        }
    }

    /// <summary>
    /// Upper bound of the bytes <paramref name="entity"/> adds to a transaction body: headers and request line
    /// of one part, plus its JSON (UTF-8 is at most 3 bytes per UTF-16 unit).
    /// </summary>
    public static long EstimateBatchBytes(TableEntity entity)
    {
        long size = 512 + (3L * (entity.PartitionKey.Length + entity.RowKey.Length));
        foreach (var (name, value) in entity)
        {
            if (IsSystemProperty(name)) continue;
            size += 32 + (3L * name.Length) + value switch
            {
                string s => 3L * s.Length,
                byte[] b => (b.Length * 4L / 3) + 4,
                _ => 40,
            };
        }

        return size;
    }

    private static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (byte[] x, BinaryData y) => x.AsSpan().SequenceEqual(y.ToMemory().Span),
        (int x, long y) => x == y,
        (long x, int y) => x == y,
        (DateTimeOffset x, DateTimeOffset y) => x.UtcTicks == y.UtcTicks,
        _ => Equals(a, b),
    };
}
