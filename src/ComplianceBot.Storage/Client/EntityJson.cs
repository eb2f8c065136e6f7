using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ComplianceBot.Storage.Client;

/// <summary>
/// JSON payload format for entities, with <c>@odata.type</c> annotations for types JSON cannot
/// carry (https://learn.microsoft.com/rest/api/storageservices/payload-format-for-table-service-operations).
/// Limits checked before sending come from
/// https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model.
/// </summary>
internal static class EntityJson
{
    /// <summary>A string property may hold 64 KiB of UTF-16, i.e. 32 Ki characters.</summary>
    public const int MaxStringChars = 32 * 1024;

    public const int MaxBinaryBytes = 64 * 1024;

    public const int MaxEntityBytes = 1024 * 1024;

    public const int MaxCustomProperties = 252;

    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>Checks keys and the service's size limits; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static void Validate(TableEntity entity)
    {
        TableKey.Validate(entity.PartitionKey, nameof(entity.PartitionKey));
        TableKey.Validate(entity.RowKey, nameof(entity.RowKey));
        if (entity.Count > MaxCustomProperties)
        {
            throw new ArgumentException($"The entity has {entity.Count} properties; Table Storage allows {MaxCustomProperties}.", nameof(entity));
        }

        // Size as the service counts it: 4 + 2 * (len(PK) + len(RK)) + per property 8 + 2 * len(name) + value size.
        long size = 4 + (2L * (entity.PartitionKey.Length + entity.RowKey.Length));
        foreach (var (name, value) in entity)
        {
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
                _ => 8,
            };
        }

        if (size > MaxEntityBytes)
        {
            throw new ArgumentException($"The entity is about {size} bytes; Table Storage allows 1 MiB per entity.", nameof(entity));
        }
    }

    public static byte[] Serialize(TableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, entity);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, TableEntity entity)
    {
        writer.WriteStartObject();
        writer.WriteString("PartitionKey", entity.PartitionKey);
        writer.WriteString("RowKey", entity.RowKey);
        foreach (var (name, value) in entity)
        {
            switch (value)
            {
                case null:
                    break;
                case string s:
                    writer.WriteString(name, s);
                    break;
                case int i:
                    writer.WriteNumber(name, i);
                    break;
                case bool b:
                    writer.WriteBoolean(name, b);
                    break;
                case long l:
                    writer.WriteString(name + "@odata.type", "Edm.Int64");
                    writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    writer.WriteString(name + "@odata.type", "Edm.Double");
                    if (double.IsFinite(d)) writer.WriteNumber(name, d);
                    else writer.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                    break;
                case DateTimeOffset dto:
                    writer.WriteString(name + "@odata.type", "Edm.DateTime");
                    writer.WriteString(name, dto.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture));
                    break;
                case Guid g:
                    writer.WriteString(name + "@odata.type", "Edm.Guid");
                    writer.WriteString(name, g.ToString("D"));
                    break;
                case byte[] bytes:
                    writer.WriteString(name + "@odata.type", "Edm.Binary");
                    writer.WriteBase64String(name, bytes);
                    break;
                default:
                    throw new ArgumentException($"Property '{name}' has an unsupported type {value.GetType().Name}.", nameof(entity));
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a query response body (<c>{"value":[...]}</c>) with a forward-only reader, without building a DOM.</summary>
    public static List<TableEntity> ReadPage(byte[] utf8)
    {
        var result = new List<TableEntity>();
        var names = new List<string>();
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("A query response must be a JSON object.");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isValue = reader.ValueTextEquals("value"u8);
            reader.Read();
            if (!isValue || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                result.Add(ReadObject(ref reader, null, names));
            }
        }

        return result;
    }

    /// <summary>Reads a single-entity body (Get Entity).</summary>
    public static TableEntity ReadEntity(byte[] utf8, string? etagHeader)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("An entity must be a JSON object.");
        return ReadObject(ref reader, etagHeader, null);
    }

    /// <summary>
    /// Reads one entity object in one pass: values as JSON gives them, then <c>Name@odata.type</c>
    /// annotations (before or after their value) convert the few that need it. <paramref name="names"/>
    /// holds property names seen in earlier entities of the page, reused instead of allocated again.
    /// </summary>
    private static TableEntity ReadObject(ref Utf8JsonReader reader, string? etagHeader, List<string>? names)
    {
        var entity = new TableEntity(names?.Count ?? 8) { ETag = etagHeader };
        List<(string Name, string? Type)>? annotations = null;
        var position = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("PartitionKey"u8))
            {
                reader.Read();
                entity.PartitionKey = reader.GetString() ?? string.Empty;
                continue;
            }

            if (reader.ValueTextEquals("RowKey"u8))
            {
                reader.Read();
                entity.RowKey = reader.GetString() ?? string.Empty;
                continue;
            }

            if (reader.ValueTextEquals("Timestamp"u8))
            {
                reader.Read();
                entity.Timestamp = reader.TokenType != JsonTokenType.String ? null
                    : reader.TryGetDateTimeOffset(out var parsed) ? parsed.ToUniversalTime()
                    : ParseDate(reader.GetString());
                continue;
            }

            if (reader.ValueTextEquals("odata.etag"u8))
            {
                reader.Read();
                entity.ETag = reader.GetString();
                continue;
            }

            string name;
            if (names is not null && position < names.Count && reader.ValueTextEquals(names[position]))
            {
                name = names[position];
            }
            else
            {
                name = reader.GetString()!;
                if (names is not null)
                {
                    if (position < names.Count) names[position] = name;
                    else names.Add(name);
                }
            }

            position++;
            reader.Read();
            if (name.EndsWith("@odata.type", StringComparison.Ordinal))
            {
                (annotations ??= []).Add((name[..^"@odata.type".Length], reader.GetString()));
                continue;
            }

            if (name.StartsWith("odata.", StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal))
            {
                reader.Skip();
                continue;
            }

            object? value;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    value = reader.GetString();
                    break;
                case JsonTokenType.True:
                    value = true;
                    break;
                case JsonTokenType.False:
                    value = false;
                    break;
                case JsonTokenType.Number:
                    value = reader.TryGetInt32(out var i) ? i : reader.TryGetInt64(out var l) ? (object)l : reader.GetDouble();
                    break;
                case JsonTokenType.Null:
                    value = null;
                    break;
                default:
                    reader.Skip();
                    continue;
            }

            entity.SetRaw(name, value);
        }

        if (annotations is not null)
        {
            foreach (var (name, type) in annotations)
            {
                if (name is "Timestamp" || !entity.ContainsKey(name)) continue;
                entity.SetRaw(name, Convert(entity[name], type));
            }
        }

        return entity;
    }

    private static object? Convert(object? raw, string? type) => (raw, type) switch
    {
        (null, _) => null,
        (string s, "Edm.Int64") => long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        (int i, "Edm.Int64") => (long)i,
        ("NaN", "Edm.Double") => double.NaN,
        ("Infinity", "Edm.Double") => double.PositiveInfinity,
        ("-Infinity", "Edm.Double") => double.NegativeInfinity,
        (string s, "Edm.Double") => double.Parse(s, CultureInfo.InvariantCulture),
        (int i, "Edm.Double") => (double)i,
        (long l, "Edm.Double") => (double)l,
        (string s, "Edm.DateTime") => ParseDate(s),
        (string s, "Edm.Guid") => Guid.Parse(s),
        (string s, "Edm.Binary") => System.Convert.FromBase64String(s),
        _ => raw,
    };

    private static DateTimeOffset? ParseDate(string? text) =>
        text is null ? null : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
