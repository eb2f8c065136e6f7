using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ComplianceBot.Storage.Client;

/// <summary>What one operation of an entity-group transaction does.</summary>
public enum TableTransactionActionType
{
    Insert,
    InsertOrReplace,
    InsertOrMerge,

    /// <summary>Replace with If-Match (the entity's ETag, or <see cref="TableTransactionAction.IfMatch"/>).</summary>
    Update,

    /// <summary>Merge with If-Match.</summary>
    Merge,

    /// <summary>Delete with If-Match (<c>*</c> when no ETag is given).</summary>
    Delete,
}

/// <summary>One operation of <see cref="TableStorageClient.SubmitTransactionAsync"/>.</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, string? IfMatch = null)
{
    internal string? EffectiveIfMatch => ActionType switch
    {
        TableTransactionActionType.Update or TableTransactionActionType.Merge =>
            IfMatch ?? Entity.ETag ?? throw new ArgumentException($"{ActionType} of ({Entity.PartitionKey}, {Entity.RowKey}) needs an ETag; use '*' to skip the check."),
        TableTransactionActionType.Delete => IfMatch ?? Entity.ETag ?? "*",
        _ => null,
    };
}

/// <summary>
/// Builds and reads entity-group transaction bodies:
/// https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions.
/// Azurite parses these with regular expressions, so every JSON body stays on one line, request
/// lines carry absolute URLs, and every line ends in CRLF.
/// </summary>
internal static partial class TableTransaction
{
    public const int MaxOperations = 100;

    public const int MaxBodyBytes = 4 * 1024 * 1024;

    public static byte[] BuildBody(string tableBaseUri, string table, IReadOnlyList<TableTransactionAction> actions, string batchBoundary, string changesetBoundary)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + (actions.Count * 512));
        void Line(string text)
        {
            var count = Encoding.UTF8.GetByteCount(text);
            Encoding.UTF8.GetBytes(text, buffer.GetSpan(count + 2));
            buffer.Advance(count);
            "\r\n"u8.CopyTo(buffer.GetSpan(2));
            buffer.Advance(2);
        }

        Line($"--{batchBoundary}");
        Line($"Content-Type: multipart/mixed; boundary={changesetBoundary}");
        Line(string.Empty);
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var entity = action.Entity;
            Line($"--{changesetBoundary}");
            Line("Content-Type: application/http");
            Line("Content-Transfer-Encoding: binary");
            Line(string.Empty);
            var (method, url) = action.ActionType switch
            {
                TableTransactionActionType.Insert => ("POST", $"{tableBaseUri}/{table}"),
                TableTransactionActionType.InsertOrReplace or TableTransactionActionType.Update => ("PUT", EntityUri(tableBaseUri, table, entity.PartitionKey, entity.RowKey)),
                TableTransactionActionType.InsertOrMerge or TableTransactionActionType.Merge => ("MERGE", EntityUri(tableBaseUri, table, entity.PartitionKey, entity.RowKey)),
                _ => ("DELETE", EntityUri(tableBaseUri, table, entity.PartitionKey, entity.RowKey)),
            };
            Line($"{method} {url} HTTP/1.1");
            Line("Accept: " + TableHeadersHandler.AcceptMinimalMetadata);
            if (action.EffectiveIfMatch is { } ifMatch) Line($"If-Match: {ifMatch}");
            if (action.ActionType == TableTransactionActionType.Delete)
            {
                Line(string.Empty);
                continue;
            }

            if (action.ActionType == TableTransactionActionType.Insert) Line("Prefer: return-no-content");
            Line("Content-Type: application/json");
            Line(string.Empty);

            // Utf8JsonWriter writes compact JSON: the body is one line, as Azurite's parser needs.
            using (var writer = new Utf8JsonWriter(buffer))
            {
                EntityJson.Write(writer, entity);
            }

            Line(string.Empty);
        }

        Line($"--{changesetBoundary}--");
        Line($"--{batchBoundary}--");
        return buffer.WrittenSpan.ToArray();
    }

    public static string EntityUri(string tableBaseUri, string table, string partitionKey, string rowKey) =>
        $"{tableBaseUri}/{table}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

    /// <summary>Key literal: double single quotes (OData string literal), then percent-encode.</summary>
    public static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    /// <summary>One sub-response of a batch response.</summary>
    public sealed record PartResponse(int Status, string? ETag, string Body);

    /// <summary>Reads the status line, ETag and body of each sub-response, in order.</summary>
    public static IReadOnlyList<PartResponse> ParseResponse(string body)
    {
        var parts = new List<PartResponse>();
        var lines = body.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (!line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal)) continue;
            var status = int.Parse(line.AsSpan(9, 3), CultureInfo.InvariantCulture);
            string? etag = null;
            i++;
            for (; i < lines.Length && lines[i].TrimEnd('\r').Length > 0; i++)
            {
                var header = lines[i].TrimEnd('\r');
                if (header.StartsWith("ETag:", StringComparison.OrdinalIgnoreCase)) etag = header[5..].Trim();
            }

            var sb = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].StartsWith("--", StringComparison.Ordinal); i++)
            {
                sb.Append(lines[i].TrimEnd('\r'));
            }

            i--;
            parts.Add(new PartResponse(status, etag, sb.ToString()));
        }

        return parts;
    }

    /// <summary>The failing operation's index from an error message such as <c>"4:The specified entity already exists."</c>.</summary>
    public static int? FailedIndexFromMessage(string? message)
    {
        if (message is null) return null;
        var match = IndexPrefix().Match(message);
        return match.Success ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^\s*(\d+)\s*:")]
    private static partial Regex IndexPrefix();
}
