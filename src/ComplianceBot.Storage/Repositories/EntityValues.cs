using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>Conversions between domain values and stored properties.</summary>
internal static class EntityValues
{
    /// <summary>Calendar dates are stored as <c>yyyy-MM-dd</c> strings, not Edm.DateTime, so no time zone can shift them.</summary>
    public static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? Date(TableEntity entity, string name) => entity.GetString(name) is { } text ? ParseDate(text) : null;

    private static DateOnly ParseDate(string text)
    {
        // Fast path for the format we write; anything else goes through the culture-aware parser.
        if (text.Length == 10 && text[4] == '-' && text[7] == '-'
            && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            && int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            && int.TryParse(text.AsSpan(8, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var d)
            && m is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth(y, m))
        {
            return new DateOnly(y, m, d);
        }

        return DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A row's version for HTTP ETags: a digest of the service's ETag, which changes on every write of the row.
    /// (Table ETags such as <c>W/"datetime'…'"</c> are weak and carry quotes, so they are not handed out as they are.)
    /// </summary>
    public static string Version(ETag etag) =>
        etag == default
            ? throw new InvalidDataException("A stored entity came back without an ETag.")
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(etag.ToString())).AsSpan(0, 12));

    public static string Version(TableEntity entity) => Version(entity.ETag);

    public static string Required(TableEntity entity, string name) =>
        entity.GetString(name) ?? throw new InvalidDataException($"Stored entity ({entity.PartitionKey}, {entity.RowKey}) has no '{name}'.");

    public static TEnum Enum<TEnum>(TableEntity entity, string name)
        where TEnum : struct, System.Enum =>
        System.Enum.Parse<TEnum>(Required(entity, name));
}
