using System.Text;
using System.Text.RegularExpressions;

namespace ComplianceBot.Email.Tests;

/// <summary>
/// A strict little reader for the .eml files the outbox writes: CRLF only, unfolded headers,
/// multipart/alternative parts, quoted-printable and RFC 2047 B-encoded words decoded.
/// </summary>
internal sealed partial class EmlReader
{
    private EmlReader(Dictionary<string, string> headers, IReadOnlyList<(Dictionary<string, string> Headers, string Body)> parts, string raw)
    {
        Headers = headers;
        Parts = parts;
        Raw = raw;
    }

    public Dictionary<string, string> Headers { get; }

    public IReadOnlyList<(Dictionary<string, string> Headers, string Body)> Parts { get; }

    public string Raw { get; }

    public static EmlReader Parse(string raw)
    {
        Assert.DoesNotMatch(BareLineFeed(), raw);
        var split = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no blank line after the headers");
        var headers = ParseHeaders(raw[..split]);
        var contentType = headers["Content-Type"];
        Assert.StartsWith("multipart/alternative;", contentType, StringComparison.Ordinal);
        var boundary = BoundaryParameter().Match(contentType).Groups[1].Value;
        Assert.NotEmpty(boundary);

        var body = raw[(split + 4)..];
        Assert.Contains("\r\n--" + boundary + "--\r\n", body, StringComparison.Ordinal);
        var chunks = body.Split("--" + boundary);
        var parts = new List<(Dictionary<string, string>, string)>();
        foreach (var chunk in chunks.Skip(1))
        {
            if (chunk.StartsWith("--", StringComparison.Ordinal)) break;
            var part = chunk.TrimStart('\r', '\n');
            var partSplit = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var partHeaders = ParseHeaders(part[..partSplit]);
            var encoded = part[(partSplit + 4)..];
            encoded = encoded.EndsWith("\r\n", StringComparison.Ordinal) ? encoded[..^2] : encoded;
            Assert.Equal("quoted-printable", partHeaders["Content-Transfer-Encoding"]);
            Assert.All(encoded.Split("\r\n"), line => Assert.True(line.Length <= 76, $"line of {line.Length} characters: {line}"));
            parts.Add((partHeaders, DecodeQuotedPrintable(encoded)));
        }

        return new EmlReader(headers, parts, raw);
    }

    public static string DecodeEncodedWords(string value) =>
        EncodedWord().Replace(value, m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value)))
            .Replace("?= =?", "?==?", StringComparison.Ordinal);

    public static string DecodeHeader(string value)
    {
        // Adjacent encoded words are joined without the white space between them (RFC 2047 6.2).
        var joined = AdjacentWords().Replace(value, "?==?");
        return EncodedWord().Replace(joined, m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value)));
    }

    private static Dictionary<string, string> ParseHeaders(string block)
    {
        var unfolded = block.Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in unfolded.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, $"not a header line: {line}");
            Assert.True(headers.TryAdd(line[..colon], line[(colon + 1)..].Trim()), $"duplicate header {line[..colon]}");
        }

        return headers;
    }

    private static string DecodeQuotedPrintable(string encoded)
    {
        var bytes = new List<byte>();
        var text = encoded.Replace("=\r\n", string.Empty, StringComparison.Ordinal);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=')
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)text[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [GeneratedRegex("(?<!\r)\n")]
    private static partial Regex BareLineFeed();

    [GeneratedRegex("boundary=\"([^\"]+)\"")]
    private static partial Regex BoundaryParameter();

    [GeneratedRegex(@"=\?utf-8\?B\?([A-Za-z0-9+/=]+)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"\?=\s+=\?")]
    private static partial Regex AdjacentWords();
}
