using System.Text;

namespace ComplianceBot.Storage.Queues;

/// <summary>
/// The Functions queue extension's message encoding, base64 of UTF-8, done by the app rather than by the queue
/// client. A client that decodes throws for a whole receive or peek when one message is not base64 (plain text put
/// there with <c>az storage message put</c>, say); the host sets such a message aside unchanged, so the app reads each
/// message on its own: base64 is decoded, anything else is kept as it is and reported as unreadable.
/// </summary>
public static class QueueText
{
    public static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>The message's text, and whether it was base64 (when not, <paramref name="text"/> is the raw body).</summary>
    public static bool TryDecode(BinaryData body, out string text)
    {
        ArgumentNullException.ThrowIfNull(body);
        var raw = body.ToString();
        var bytes = new byte[(raw.Length * 3 / 4) + 3];
        if (raw.Length > 0 && Convert.TryFromBase64String(raw, bytes, out var written))
        {
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written);
                return true;
            }
            catch (DecoderFallbackException)
            {
                // base64, but not of UTF-8 text: not a message the app wrote.
            }
        }

        text = raw;
        return false;
    }

    /// <summary>The message's text: decoded when base64, else the raw body.</summary>
    public static string Read(BinaryData body)
    {
        TryDecode(body, out var text);
        return text;
    }
}
