using System.Text;
using System.Text.RegularExpressions;

namespace ComplianceBot.Email.Tests;

/// <summary>
/// A strict little reader for the .eml files the outbox writes: CRLF only, unfolded headers,
/// multipart/alternative parts (alone, or first in a multipart/mixed followed by base64 attachments),
/// quoted-printable and RFC 2047 B-encoded words decoded.
/// </summary>
internal sealed partial class EmlReader
{
    private EmlReader(
        Dictionary<string, string> headers,
        IReadOnlyList<(Dictionary<string, string> Headers, string Body)> parts,
        IReadOnlyList<(Dictionary<string, string> Headers, byte[] Content)> attachments,
        string raw)
    {
        Headers = headers;
        Parts = parts;
        Attachments = attachments;
        Raw = raw;
    }

    public Dictionary<string, string> Headers { get; }

    /// <summary>The text/plain and text/html parts, decoded.</summary>
    public IReadOnlyList<(Dictionary<string, string> Headers, string Body)> Parts { get; }

    /// <summary>Attachments of a multipart/mixed message, decoded from base64.</summary>
    public IReadOnlyList<(Dictionary<string, string> Headers, byte[] Content)> Attachments { get; }

    public string Raw { get; }

    public static EmlReader Parse(string raw)
    {
        Assert.DoesNotMatch(BareLineFeed(), raw);
        var (headers, body) = SplitHeaders(raw);
        var contentType = headers["Content-Type"];
        if (contentType.StartsWith("multipart/alternative;", StringComparison.Ordinal))
        {
            return new EmlReader(headers, ParseAlternative(contentType, body), [], raw);
        }

        Assert.StartsWith("multipart/mixed;", contentType, StringComparison.Ordinal);
        var mixed = SplitMultipart(contentType, body);
        Assert.True(mixed.Count >= 2, "a multipart/mixed message without attachments");
        var alternative = mixed[0];
        Assert.StartsWith("multipart/alternative;", alternative.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.DoesNotContain(Boundary(contentType), Boundary(alternative.Headers["Content-Type"]), StringComparison.Ordinal);

        var attachments = new List<(Dictionary<string, string>, byte[])>();
        foreach (var (partHeaders, encoded) in mixed.Skip(1))
        {
            Assert.Equal("base64", partHeaders["Content-Transfer-Encoding"]);
            Assert.All(encoded.Split("\r\n"), line => Assert.True(line.Length <= 76, $"line of {line.Length} characters: {line}"));
            attachments.Add((partHeaders, Convert.FromBase64String(encoded.Replace("\r\n", string.Empty, StringComparison.Ordinal))));
        }

        return new EmlReader(headers, ParseAlternative(alternative.Headers["Content-Type"], alternative.Body), attachments, raw);
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

    private static (Dictionary<string, string> Headers, string Body) SplitHeaders(string entity)
    {
        var split = entity.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no blank line after the headers");
        return (ParseHeaders(entity[..split]), entity[(split + 4)..]);
    }

    private static string Boundary(string contentType)
    {
        var boundary = BoundaryParameter().Match(contentType).Groups[1].Value;
        Assert.NotEmpty(boundary);
        return boundary;
    }

    /// <summary>The parts between the delimiters, each split into headers and (still encoded) body.</summary>
    private static List<(Dictionary<string, string> Headers, string Body)> SplitMultipart(string contentType, string body)
    {
        var boundary = Boundary(contentType);
        // The top level ends with a line break; a nested multipart leaves it to the enclosing delimiter.
        var end = "\r\n--" + boundary + "--";
        Assert.True(body.EndsWith(end, StringComparison.Ordinal) || body.EndsWith(end + "\r\n", StringComparison.Ordinal), "no closing delimiter " + end);
        var parts = new List<(Dictionary<string, string>, string)>();
        foreach (var chunk in body.Split("\r\n--" + boundary).Skip(1))
        {
            if (chunk.StartsWith("--", StringComparison.Ordinal)) break;
            Assert.StartsWith("\r\n", chunk, StringComparison.Ordinal);
            parts.Add(SplitHeaders(chunk[2..]));
        }

        return parts;
    }

    private static List<(Dictionary<string, string> Headers, string Body)> ParseAlternative(string contentType, string body)
    {
        var parts = new List<(Dictionary<string, string>, string)>();
        foreach (var (partHeaders, encoded) in SplitMultipart(contentType, body.StartsWith("--", StringComparison.Ordinal) ? "\r\n" + body : body))
        {
            Assert.Equal("quoted-printable", partHeaders["Content-Transfer-Encoding"]);
            Assert.All(encoded.Split("\r\n"), line => Assert.True(line.Length <= 76, $"line of {line.Length} characters: {line}"));
            parts.Add((partHeaders, DecodeQuotedPrintable(encoded)));
        }

        return parts;
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
