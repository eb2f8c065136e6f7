using System.Collections;

namespace ComplianceBot.Storage.Client;

/// <summary>
/// One table entity: PartitionKey, RowKey, ETag, Timestamp and typed properties. Supported
/// property types: <see cref="string"/>, <see cref="int"/>, <see cref="long"/> (Edm.Int64),
/// <see cref="double"/> (Edm.Double), <see cref="bool"/>, <see cref="DateTimeOffset"/> (Edm.DateTime,
/// stored in UTC), <see cref="Guid"/> (Edm.Guid) and <see cref="byte"/>[] (Edm.Binary).
/// </summary>
public sealed class TableEntity : IEnumerable<KeyValuePair<string, object?>>
{
    /// <summary>Property the client stamps on every write to recognise its own retried writes.</summary>
    public const string OperationIdProperty = "OpId";

    private readonly Dictionary<string, object?> _properties;

    public TableEntity()
    {
        _properties = new(StringComparer.Ordinal);
    }

    public TableEntity(string partitionKey, string rowKey)
        : this()
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    internal TableEntity(int capacity)
    {
        _properties = new(capacity, StringComparer.Ordinal);
    }

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    /// <summary>Opaque concurrency token from the service; null for an entity not read or written yet.</summary>
    public string? ETag { get; set; }

    /// <summary>Server-set last-modified time; ignored on writes.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    public int Count => _properties.Count;

    public IEnumerable<string> Keys => _properties.Keys;

    /// <summary>Gets or sets a custom property (null when absent). Setting null removes nothing; it stores null, which is not sent.</summary>
    public object? this[string name]
    {
        get => _properties.GetValueOrDefault(name);
        set => _properties[CheckName(name)] = Normalize(name, value);
    }

    public void Add(string name, object? value) => this[name] = value;

    public bool ContainsKey(string name) => _properties.ContainsKey(name);

    public bool Remove(string name) => _properties.Remove(name);

    public string? GetString(string name) => (string?)this[name];

    public int? GetInt32(string name) => this[name] switch
    {
        null => null,
        int i => i,
        long l => checked((int)l),
        var other => throw WrongType(name, other, "Int32"),
    };

    public long? GetInt64(string name) => this[name] switch
    {
        null => null,
        long l => l,
        int i => i,
        var other => throw WrongType(name, other, "Int64"),
    };

    public double? GetDouble(string name) => this[name] switch
    {
        null => null,
        double d => d,
        int i => i,
        long l => l,
        var other => throw WrongType(name, other, "Double"),
    };

    public bool? GetBoolean(string name) => (bool?)this[name];

    public DateTimeOffset? GetDateTimeOffset(string name) => (DateTimeOffset?)this[name];

    public Guid? GetGuid(string name) => this[name] switch
    {
        null => null,
        Guid g => g,
        string s => Guid.Parse(s),
        var other => throw WrongType(name, other, "Guid"),
    };

    public byte[]? GetBinary(string name) => (byte[]?)this[name];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>True when every custom property except <see cref="OperationIdProperty"/> equals the other's.</summary>
    public bool PropertiesEqual(TableEntity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var mine = _properties.Where(p => p.Key != OperationIdProperty && p.Value is not null).ToList();
        var theirs = other._properties.Count(p => p.Key != OperationIdProperty && p.Value is not null);
        if (mine.Count != theirs) return false;
        foreach (var (name, value) in mine)
        {
            if (!other._properties.TryGetValue(name, out var otherValue) || !ValueEquals(value, otherValue)) return false;
        }

        return true;
    }

    internal void SetRaw(string name, object? value) => _properties[name] = value;

    private static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (int x, long y) => x == y,
        (long x, int y) => x == y,
        _ => Equals(a, b),
    };

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "PartitionKey" or "RowKey" or "Timestamp" or "ETag" || name.StartsWith("odata.", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is a system property; use the {nameof(TableEntity)} member instead.", nameof(name));
        }

        return name;
    }

    private static object? Normalize(string name, object? value) => value switch
    {
        null or string or int or long or double or bool or Guid or byte[] => value,
        DateTimeOffset dto => dto.ToUniversalTime(),
        DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()),
        float f => (double)f,
        _ => throw new ArgumentException($"Property '{name}' has type {value.GetType().Name}, which Table Storage cannot store.", nameof(value)),
    };

    private static InvalidCastException WrongType(string name, object value, string wanted) =>
        new($"Property '{name}' holds a {value.GetType().Name}, not {wanted}.");
}
