using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ComplianceBot.Domain.Import;
using CsvHelper;
using CsvHelper.Configuration;

namespace ComplianceBot.Application.Import;

/// <summary>The body formats an import accepts.</summary>
public enum TabularFormat
{
    Csv,
    Json,
}

/// <summary>
/// Streams the rows of an uploaded CSV (RFC 4180: BOM or not, CRLF or LF, quoted commas and line
/// breaks, doubled quotes) or JSON array of objects as <see cref="RawRow"/>s, one at a time, so a
/// large file is never held in memory. Rows that cannot be read carry a structural error instead of
/// stopping the import.
/// </summary>
public static class TabularReader
{
    /// <summary>The format for a Content-Type, or null when it is not supported (answer 415).</summary>
    public static TabularFormat? FormatOf(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "text/csv" or "application/csv" or "text/plain" => TabularFormat.Csv,
            "application/json" => TabularFormat.Json,
            _ => null,
        };
    }

    public static IAsyncEnumerable<RawRow> ReadAsync(Stream body, TabularFormat format, CancellationToken cancellationToken = default) =>
        format == TabularFormat.Csv ? ReadCsvAsync(body, cancellationToken) : ReadJsonAsync(body, cancellationToken);

    /// <summary>Lower case, trimmed, spaces and hyphens as underscores: "Employee ID" → "employee_id".</summary>
    public static string NormalizeColumn(string name) =>
        string.Join('_', name.Trim().ToLowerInvariant().Split([' ', '-', '_'], StringSplitOptions.RemoveEmptyEntries));

    private static async IAsyncEnumerable<RawRow> ReadCsvAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = true,
            DetectDelimiter = false,
            BadDataFound = null,
            MissingFieldFound = null,
            IgnoreBlankLines = true,
            TrimOptions = TrimOptions.None,
        };
        using var reader = new StreamReader(body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        using var csv = new CsvReader(reader, config);

        if (!await csv.ReadAsync().ConfigureAwait(false) || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
        {
            throw new UnreadableImportException("The file is empty: expected a header row naming the columns.");
        }

        var columns = header.Select(NormalizeColumn).ToArray();
        var duplicate = columns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
        if (duplicate is not null)
        {
            throw new UnreadableImportException($"The header names the column '{duplicate.Key}' twice.");
        }

        IReadOnlyList<string> named = columns.Where(c => c.Length > 0).ToArray();
        while (await csv.ReadAsync().ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Spreadsheet numbering: the header is row 1. A quoted line break does not start a new row.
            var row = csv.Parser.Row;
            var count = csv.Parser.Count;
            var fields = new Dictionary<string, string?>(columns.Length, StringComparer.Ordinal);
            if (count != columns.Length)
            {
                yield return new RawRow(row, fields, new RowError(row, "(row)", $"expected {columns.Length} columns as in the header, found {count}"), named);
                continue;
            }

            for (var i = 0; i < columns.Length; i++)
            {
                if (columns[i].Length == 0) continue;
                fields[columns[i]] = csv.Parser[i];
            }

            yield return new RawRow(row, fields, HeaderColumns: named);
        }
    }

    private static async IAsyncEnumerable<RawRow> ReadJsonAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var row = 0;
        IAsyncEnumerable<JsonElement> elements;
        try
        {
            elements = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(body, topLevelValues: false, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new UnreadableImportException($"The body is not a JSON array of objects: {ex.Message}");
        }

        await using var e = elements.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            JsonElement element;
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false)) break;
                element = e.Current;
            }
            catch (JsonException ex)
            {
                throw new UnreadableImportException($"The body is not a JSON array of objects (after row {row}): {ex.Message}");
            }

            row++;
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (element.ValueKind != JsonValueKind.Object)
            {
                yield return new RawRow(row, fields, new RowError(row, "(row)", $"expected an object, found {element.ValueKind}"));
                continue;
            }

            RowError? error = null;
            foreach (var property in element.EnumerateObject())
            {
                var name = NormalizeColumn(property.Name);
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        fields[name] = property.Value.GetString();
                        break;
                    case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                        fields[name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        fields[name] = null;
                        break;
                    default:
                        error ??= new RowError(row, name, "must be a string, number, boolean or null");
                        break;
                }
            }

            yield return new RawRow(row, fields, error);
        }
    }
}
