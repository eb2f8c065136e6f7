using System.Globalization;
using ComplianceBot.Storage.Client;

namespace ComplianceBot.Storage.Repositories;

/// <summary>Conversions between domain values and stored properties.</summary>
internal static class EntityValues
{
    /// <summary>Calendar dates are stored as <c>yyyy-MM-dd</c> strings, not Edm.DateTime, so no time zone can shift them.</summary>
    public static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? Date(TableEntity entity, string name) =>
        entity.GetString(name) is { } text ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;

    public static string Required(TableEntity entity, string name) =>
        entity.GetString(name) ?? throw new InvalidDataException($"Stored entity ({entity.PartitionKey}, {entity.RowKey}) has no '{name}'.");

    public static TEnum Enum<TEnum>(TableEntity entity, string name)
        where TEnum : struct, System.Enum =>
        System.Enum.Parse<TEnum>(Required(entity, name));
}
