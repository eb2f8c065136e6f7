using System.Globalization;
using System.Text;

namespace ComplianceBot.Storage.Tables;

/// <summary>
/// Reversible encoding for PartitionKey/RowKey values. The service forbids <c>/ \ # ?</c> and the
/// control characters U+0000–U+001F and U+007F–U+009F in keys
/// (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
/// Each of those, and <c>%</c> itself so that decoding is unambiguous, becomes <c>%XX</c>.
/// Every other character, including <c>'</c> and spaces, is kept (the SDK escapes it in URLs and filters).
/// </summary>
public static class TableKey
{
    /// <summary>Longest key Azurite accepts (the service allows 1 KiB); checked after encoding.</summary>
    public const int MaxLength = 512;

    /// <summary>Encodes <paramref name="value"/> so it is a legal key; throws when it would be too long.</summary>
    public static string Encode(string value) => Encode(value, extraEscaped: null);

    /// <summary>Reverses <see cref="Encode(string)"/>.</summary>
    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.Contains('%', StringComparison.Ordinal)) return key;
        var sb = new StringBuilder(key.Length);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] != '%')
            {
                sb.Append(key[i]);
            }
            else if (i + 2 < key.Length
                && int.TryParse(key.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                sb.Append((char)code);
                i += 2;
            }
            else
            {
                throw new FormatException($"'{key}' is not an encoded table key: '%' at {i} is not followed by two hex digits.");
            }
        }

        return sb.ToString();
    }

    /// <summary>True when <paramref name="c"/> may not appear raw in a key.</summary>
    public static bool IsForbidden(char c) =>
        c is '/' or '\\' or '#' or '?' || c <= '\u001F' || (c >= '\u007F' && c <= '\u009F');

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first illegal character when
    /// <paramref name="key"/> may not be sent as a PartitionKey/RowKey. Used before every request.
    /// </summary>
    public static void Validate(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length > MaxLength)
        {
            throw new ArgumentException($"{paramName} is {key.Length} characters; table keys may have at most {MaxLength}.", paramName);
        }

        for (var i = 0; i < key.Length; i++)
        {
            if (IsForbidden(key[i]))
            {
                throw new ArgumentException(
                    $"{paramName} contains the character U+{(int)key[i]:X4} at position {i}, which Table Storage forbids in keys (/ \\ # ? and control characters). Encode it with TableKey.Encode.",
                    paramName);
            }
        }
    }

    /// <summary>
    /// Joins parts into one key with <paramref name="separator"/>, encoding each part and escaping the
    /// separator inside parts, so the result sorts by the first part and can be split back.
    /// </summary>
    public static string Compose(char separator, params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return string.Join(separator, parts.Select(p => Encode(p, separator)));
    }

    /// <summary>Splits a key made by <see cref="Compose"/> and decodes each part.</summary>
    public static string[] Split(char separator, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split(separator);
        for (var i = 0; i < parts.Length; i++) parts[i] = Decode(parts[i]);
        return parts;
    }

    private static string Encode(string value, char? extraEscaped)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringBuilder? sb = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsForbidden(c) || c == '%' || c == extraEscaped)
            {
                sb ??= new StringBuilder(value.Length + 8).Append(value, 0, i);
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb?.Append(c);
            }
        }

        var encoded = sb?.ToString() ?? value;
        if (encoded.Length > MaxLength)
        {
            throw new ArgumentException($"The key value is {encoded.Length} characters once encoded; table keys may have at most {MaxLength}.", nameof(value));
        }

        return encoded;
    }
}
