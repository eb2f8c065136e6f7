using System.Globalization;
using System.Text;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Email.Outbox;

/// <summary>
/// Writes an RFC 5322 / MIME (RFC 2045-2047) message: multipart/alternative with a text/plain part and
/// then a text/html part, both UTF-8 quoted-printable, CRLF line ends; with attachments, that
/// multipart/alternative is the first part of a multipart/mixed and each file follows in base64.
/// Small on purpose: it writes only what ComplianceBot sends.
/// </summary>
internal static class MimeMessageWriter
{
    private const string Crlf = "\r\n";
    private const int MaxEncodedLine = 76;

    // RFC 2047 section 2: an encoded-word is at most 75 characters, and a line holding one at most 76.
    // 30 bytes make 40 base64 characters, 52 with "=?utf-8?B?" and "?=": room for "Subject: " or
    // "Reply-To: " and a folded continuation on every line.
    private const int MaxEncodedWordBytes = 30;

    /// <summary>Renders the whole message.</summary>
    /// <param name="boundary">
    /// Multipart boundary; contains "=_", which neither quoted-printable nor base64 output ever does.
    /// </param>
    /// <param name="attachments">Files to attach, already checked (plain ASCII names, media types).</param>
    public static string Write(
        OutgoingEmail email,
        EmailAddress from,
        IReadOnlyList<EmailAddress> to,
        DateTimeOffset date,
        string messageId,
        string boundary,
        IReadOnlyList<EmailAttachment> attachments)
    {
        // Neither boundary may be a prefix of the other (RFC 2046 5.1.1), so the inner one is not boundary + suffix.
        var mixed = attachments.Count > 0;
        var alternative = mixed ? boundary.Replace("=_", "=_alt_", StringComparison.Ordinal) : boundary;
        var builder = new StringBuilder();
        Header(builder, "From", FormatMailbox(from));
        Header(builder, "To", string.Join("," + Crlf + " ", to.Select(FormatMailbox)));
        if (email.ReplyTo is { } replyTo) Header(builder, "Reply-To", FormatMailbox(replyTo));
        Header(builder, "Subject", EncodeUnstructured(EmailSafety.StripControlCharacters(email.Subject)));
        Header(builder, "Date", FormatDate(date));
        Header(builder, "Message-ID", "<" + messageId + ">");
        Header(builder, "MIME-Version", "1.0");
        Header(builder, "X-ComplianceBot-Operation-Id", EmailSafety.StripControlCharacters(email.OperationId));
        Header(builder, "X-ComplianceBot-Category", EmailSafety.StripControlCharacters(email.Category));
        Header(builder, "Content-Type", (mixed ? "multipart/mixed;" : "multipart/alternative;") + Crlf + " boundary=\"" + boundary + "\"");
        builder.Append(Crlf);
        builder.Append("This is a multi-part message in MIME format.").Append(Crlf);

        if (mixed)
        {
            builder.Append(Crlf).Append("--").Append(boundary).Append(Crlf);
            Header(builder, "Content-Type", "multipart/alternative;" + Crlf + " boundary=\"" + alternative + "\"");
        }

        Part(builder, alternative, "text/plain", email.TextBody);
        Part(builder, alternative, "text/html", email.HtmlBody);
        builder.Append(Crlf).Append("--").Append(alternative).Append("--");

        foreach (var attachment in attachments)
        {
            builder.Append(Crlf).Append("--").Append(boundary).Append(Crlf);
            Header(builder, "Content-Type", attachment.ContentType + ";" + Crlf + " name=\"" + attachment.FileName + "\"");
            Header(builder, "Content-Disposition", "attachment;" + Crlf + " filename=\"" + attachment.FileName + "\"");
            Header(builder, "Content-Transfer-Encoding", "base64");
            builder.Append(Crlf);
            builder.Append(Convert.ToBase64String(attachment.Content.Span, Base64FormattingOptions.InsertLineBreaks));
        }

        if (mixed) builder.Append(Crlf).Append("--").Append(boundary).Append("--");
        builder.Append(Crlf);
        return builder.ToString();
    }

    /// <summary>RFC 5322 date-time, e.g. <c>Tue, 31 Mar 2026 14:05:00 +0000</c>.</summary>
    public static string FormatDate(DateTimeOffset date)
    {
        var utc = date.ToUniversalTime();
        return utc.ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000";
    }

    /// <summary><c>"Display Name" &lt;address&gt;</c>, the name quoted or RFC 2047-encoded as needed.</summary>
    public static string FormatMailbox(EmailAddress mailbox)
    {
        var name = EmailSafety.CleanDisplayName(mailbox.Name);
        if (name is null) return "<" + mailbox.Address + ">";
        return EncodePhrase(name) + " <" + mailbox.Address + ">";
    }

    /// <summary>A display name: a quoted-string when ASCII, encoded-words otherwise.</summary>
    public static string EncodePhrase(string text)
    {
        if (IsPrintableAscii(text))
        {
            return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        }

        return string.Join(Crlf + " ", EncodedWords(text));
    }

    /// <summary>An unstructured header value (Subject): as is when ASCII, encoded-words otherwise; folded.</summary>
    public static string EncodeUnstructured(string text)
    {
        if (IsPrintableAscii(text)) return Fold(text);
        return string.Join(Crlf + " ", EncodedWords(text));
    }

    /// <summary>Quoted-printable (RFC 2045 section 6.7) of UTF-8 text, hard line breaks as CRLF.</summary>
    public static string EncodeQuotedPrintable(string text)
    {
        var output = new StringBuilder(text.Length + (text.Length / 8));
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) output.Append(Crlf);
            var bytes = Encoding.UTF8.GetBytes(lines[i]);
            var lineLength = 0;
            for (var j = 0; j < bytes.Length; j++)
            {
                var b = bytes[j];
                var isLast = j == bytes.Length - 1;
                var literal = (b is >= 33 and <= 126 && b != (byte)'=') || (b is (byte)' ' or (byte)'\t' && !isLast);
                var token = literal ? ((char)b).ToString() : "=" + b.ToString("X2", CultureInfo.InvariantCulture);

                // Keep room for the soft break "=" so no encoded line exceeds 76 characters.
                var room = isLast ? MaxEncodedLine : MaxEncodedLine - 1;
                if (lineLength + token.Length > room)
                {
                    output.Append('=').Append(Crlf);
                    lineLength = 0;
                }

                output.Append(token);
                lineLength += token.Length;
            }
        }

        return output.ToString();
    }

    private static void Part(StringBuilder builder, string boundary, string mediaType, string body)
    {
        builder.Append(Crlf).Append("--").Append(boundary).Append(Crlf);
        builder.Append("Content-Type: ").Append(mediaType).Append("; charset=utf-8").Append(Crlf);
        builder.Append("Content-Transfer-Encoding: quoted-printable").Append(Crlf);
        builder.Append(Crlf);
        // The CRLF before the next delimiter belongs to the delimiter (RFC 2046 5.1.1), not to the body.
        builder.Append(EncodeQuotedPrintable(body));
    }

    private static void Header(StringBuilder builder, string name, string value) =>
        builder.Append(name).Append(": ").Append(value).Append(Crlf);

    private static List<string> EncodedWords(string text)
    {
        var chunk = new List<byte>(MaxEncodedWordBytes);
        Span<byte> buffer = stackalloc byte[4];
        var words = new List<string>();
        foreach (var rune in text.EnumerateRunes())
        {
            var count = rune.EncodeToUtf8(buffer);
            if (chunk.Count + count > MaxEncodedWordBytes)
            {
                words.Add(EncodedWord(chunk));
                chunk.Clear();
            }

            for (var i = 0; i < count; i++) chunk.Add(buffer[i]);
        }

        if (chunk.Count > 0) words.Add(EncodedWord(chunk));
        return words;
    }

    private static string EncodedWord(List<byte> bytes) => "=?utf-8?B?" + Convert.ToBase64String(bytes.ToArray()) + "?=";

    // Folds at spaces so header lines stay near the recommended 78 characters (RFC 5322 2.1.1).
    private static string Fold(string text)
    {
        if (text.Length <= 68) return text;
        var builder = new StringBuilder();
        var lineLength = 0;
        foreach (var word in text.Split(' '))
        {
            if (lineLength > 0 && lineLength + 1 + word.Length > 68)
            {
                builder.Append(Crlf);
                lineLength = 0;
            }

            // A folded continuation line starts with the space that separated the words.
            if (builder.Length > 0) builder.Append(' ');
            builder.Append(word);
            lineLength += word.Length + 1;
        }

        return builder.ToString();
    }

    private static bool IsPrintableAscii(string text) => text.All(c => c is >= ' ' and <= '~');
}
