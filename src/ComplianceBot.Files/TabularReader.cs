using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ComplianceBot.Application.Import;
using CsvHelper;
using CsvHelper.Configuration;

namespace ComplianceBot.Files;

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

    /// <summary>
    /// A JSON field's column: camelCase is split first, so <c>issuedOn</c>, <c>issued_on</c>, <c>Issued On</c> and
    /// <c>ISSUED_ON</c> are all <c>issued_on</c> (JSON bodies and answers are camelCase; the CSV columns snake_case).
    /// </summary>
    public static string NormalizeJsonField(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var split = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) split.Append('_');
            split.Append(name[i]);
        }

        return NormalizeColumn(split.ToString());
    }

    /// <summary>Most columns a file may have: a header with more is unreadable, a row with more is one row error.</summary>
    public const int MaxColumns = 200;

    /// <summary>Longest cell read: a longer one fails its row without being held whole (the import's own limit, <see cref="ImportService.MaxCellLength"/>, is lower still).</summary>
    public const int MaxCellCharacters = 10_000;

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

            // CsvLimitReader cuts longer cells before the parser sees them; this only backs it up.
            MaxFieldSize = CsvLimitReader.RawCellLimit + 8,
        };
        using var reader = new CsvLimitReader(
            new StreamReader(body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, leaveOpen: true), cancellationToken);
        using var csv = new CsvReader(reader, config);

        if (!await ReadRowAsync(csv).ConfigureAwait(false) || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
        {
            throw new UnreadableImportException("The file is empty: expected a header row naming the columns.");
        }

        if (header.Length > MaxColumns)
        {
            throw new UnreadableImportException(
                $"The header names more than {MaxColumns} columns; an import file may have at most {MaxColumns}. "
                + "Remove the extra columns (a row of commas at the top of a sheet is a common cause) and upload the file again. Nothing was imported.");
        }

        if (header.FirstOrDefault(h => h.Length > MaxCellCharacters) is not null)
        {
            throw new UnreadableImportException($"A column name in the header is longer than {MaxCellCharacters:N0} characters. Nothing was imported.");
        }

        var columns = header.Select(NormalizeColumn).ToArray();
        var duplicate = columns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
        if (duplicate is not null)
        {
            throw new UnreadableImportException($"The header names the column '{duplicate.Key}' twice.");
        }

        // Grows as columns without a header turn up holding values; every row shares it (see RawRow.HeaderColumns).
        var named = columns.Where(c => c.Length > 0).ToList();
        var unnamedWithValues = new HashSet<int>();
        while (await ReadRowAsync(csv).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Spreadsheet numbering: the header is row 1. A quoted line break does not start a new row.
            var row = csv.Parser.Row;
            var count = csv.Parser.Count;
            var fields = new Dictionary<string, string?>(columns.Length, StringComparer.Ordinal);
            if (count > MaxColumns)
            {
                yield return new RawRow(row, fields, new RowError(row, "(row)",
                    $"the row has more than {MaxColumns} cells, the most a file may have, and the header names {columns.Length} columns; remove the extra cells"), named);
                continue;
            }

            if (LongCell(csv.Parser, columns) is { } tooLong)
            {
                yield return new RawRow(row, fields, new RowError(row, tooLong,
                    $"value is longer than {MaxCellCharacters:N0} characters; the limit is {ImportService.MaxCellLength}"), named);
                continue;
            }

            if (count != columns.Length)
            {
                var reason = count > columns.Length
                    ? ExtraCells(csv.Parser, columns.Length, count)
                    : $"expected {columns.Length} columns as in the header, found {count}";
                yield return new RawRow(row, fields, new RowError(row, "(row)", reason), named);
                continue;
            }

            for (var i = 0; i < columns.Length; i++)
            {
                if (columns[i].Length == 0)
                {
                    // A column without a header is ignored; once it holds a value it is reported like an unknown column.
                    if (!string.IsNullOrWhiteSpace(csv.Parser[i]) && unnamedWithValues.Add(i))
                    {
                        named.Add($"(column {i + 1}, no header)");
                    }

                    continue;
                }

                fields[columns[i]] = csv.Parser[i];
            }

            yield return new RawRow(row, fields, HeaderColumns: named);
        }
    }

    /// <summary>Reads the next row; a cell past the parser's own bound makes the file unreadable rather than a 500.</summary>
    private static async Task<bool> ReadRowAsync(CsvReader csv)
    {
        try
        {
            return await csv.ReadAsync().ConfigureAwait(false);
        }
        catch (MaxFieldSizeException)
        {
            throw new UnreadableImportException($"A cell is longer than {MaxCellCharacters:N0} characters and could not be read. Nothing after it was imported.");
        }
    }

    /// <summary>The column of the first cell longer than <see cref="MaxCellCharacters"/>, or null.</summary>
    private static string? LongCell(IParser parser, string[] columns)
    {
        for (var i = 0; i < parser.Count; i++)
        {
            if (parser[i] is { Length: > MaxCellCharacters })
            {
                return i < columns.Length && columns[i].Length > 0 ? columns[i] : $"(column {i + 1})";
            }
        }

        return null;
    }

    /// <summary>Longest part of a cell's value quoted in an error.</summary>
    public const int QuotedValueLength = 40;

    /// <summary>
    /// Why a row with more cells than the header has columns was not read: the first extra cell that holds
    /// something (often a comma inside a value that was not quoted), by column number, with its value.
    /// </summary>
    private static string ExtraCells(IParser parser, int headerColumns, int cells)
    {
        var extra = Enumerable.Range(headerColumns, cells - headerColumns).FirstOrDefault(i => !string.IsNullOrWhiteSpace(parser[i]), headerColumns);
        var value = parser[extra] ?? string.Empty;
        var holds = string.IsNullOrWhiteSpace(value) ? "is empty" : $"holds '{Quote(value)}'";
        return $"the row has {cells} cells but the header names {headerColumns} columns: column {extra + 1} {holds}. "
            + "A value with a comma in it must be in double quotes (\"Smith, Jr.\"); or remove the extra cells.";
    }

    /// <summary>A value as an error quotes it: control characters as spaces, at most <see cref="QuotedValueLength"/> characters and then "…".</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var plain = new string(value.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        if (plain.Length <= QuotedValueLength) return plain;
        var cut = char.IsHighSurrogate(plain[QuotedValueLength - 1]) ? QuotedValueLength - 1 : QuotedValueLength;
        return plain[..cut] + "…";
    }

    private static async IAsyncEnumerable<RawRow> ReadJsonAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Rows are written in chunks as they are read, so a syntax error near the end would leave the rows
        // before it stored behind a "could not be read" answer. A seekable body (a file, a spooled request)
        // is checked whole first, so an unreadable one changes nothing; callers with a forward-only stream
        // call CheckJsonSyntaxAsync on the source first.
        if (body.CanSeek)
        {
            var start = body.Position;
            await CheckJsonSyntaxAsync(body, cancellationToken).ConfigureAwait(false);
            body.Position = start;
        }

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
                // The syntax was checked first (for a seekable body), so this is the shape: an object or a
                // value where the array of rows should be.
                throw new UnreadableImportException(row == 0
                    ? "The body must be a JSON array of objects, one per row ([{...}, {...}]). Nothing was imported."
                    : $"The body is not a JSON array of objects (after row {row}): {ex.Message}");
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
                var name = NormalizeJsonField(property.Name);
                if (fields.ContainsKey(name))
                {
                    // System.Text.Json keeps the last of two equal keys; which one HR meant is not ours to guess.
                    error ??= new RowError(row, name, $"is given twice in this row (as '{Quote(property.Name)}' and once before); keep one");
                    continue;
                }

                if (fields.Count >= MaxColumns)
                {
                    error ??= new RowError(row, "(row)", $"the row has more than {MaxColumns} fields, the most a row may have");
                    break;
                }

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

    /// <summary>
    /// Reads <paramref name="body"/> to its end as JSON tokens, holding one buffer (grown only for a token
    /// longer than it), and throws <see cref="UnreadableImportException"/> at the first syntax error, naming
    /// its line and position.
    /// </summary>
    public static Task CheckJsonSyntaxAsync(Stream body, CancellationToken cancellationToken = default) =>
        CheckJsonSyntaxAsync(body, 64 * 1024, cancellationToken);

    /// <inheritdoc cref="CheckJsonSyntaxAsync(Stream, CancellationToken)"/>
    /// <param name="bufferSize">The size of the first read (tests use tiny ones to split tokens across reads).</param>
    public static async Task CheckJsonSyntaxAsync(Stream body, int bufferSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        var buffer = new byte[Math.Max(bufferSize, Utf8Bom.Length)];
        var state = new JsonReaderState();
        var anyToken = false;

        // A UTF-8 BOM is allowed (Excel and Notepad write one); the JSON reader itself does not skip it.
        var carried = await body.ReadAtLeastAsync(buffer, Utf8Bom.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var ended = carried < Utf8Bom.Length;
        if (!ended && buffer.AsSpan(0, Utf8Bom.Length).SequenceEqual(Utf8Bom))
        {
            carried -= Utf8Bom.Length;
            buffer.AsSpan(Utf8Bom.Length, carried).CopyTo(buffer);
        }

        while (true)
        {
            if (!ended)
            {
                if (carried == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var read = await body.ReadAsync(buffer.AsMemory(carried), cancellationToken).ConfigureAwait(false);
                ended = read == 0;
                carried += read;
            }

            int consumed;
            try
            {
                consumed = ScanJson(buffer.AsSpan(0, carried), ended, ref state, ref anyToken);
            }
            catch (JsonException ex)
            {
                // No token yet and only white space left: the body is empty, which deserves plainer words.
                var empty = !anyToken && buffer.AsSpan(0, carried).Trim(" \t\r\n"u8).IsEmpty;
                throw new UnreadableImportException(empty ? "The body is empty: expected a JSON array of objects. Nothing was imported." : JsonSyntaxMessage(ex));
            }

            if (ended) return;
            carried -= consumed;
            buffer.AsSpan(consumed, carried).CopyTo(buffer);
        }
    }

    /// <summary>The reader's reason with its line and byte counted from 1, as an editor shows them.</summary>
    private static string JsonSyntaxMessage(JsonException ex)
    {
        var reason = ex.Message;
        var suffix = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0) reason = reason[..suffix];
        var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
        return $"The body is not valid JSON{where}: {reason} Nothing was imported.";
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static int ScanJson(ReadOnlySpan<byte> data, bool isFinalBlock, ref JsonReaderState state, ref bool anyToken)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock, state);
        while (reader.Read())
        {
            anyToken = true;
        }

        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }
}
