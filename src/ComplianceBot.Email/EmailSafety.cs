using ComplianceBot.Domain.Model;
using System.Text;

namespace ComplianceBot.Email;

/// <summary>
/// Cleans anything that ends up in a mail header (subject, display names). Both senders use it, so a
/// hostile roster row cannot add a header; addresses are checked by <see cref="Domain.Model.PlainEmailAddress"/>.
/// </summary>
public static class EmailSafety
{
    /// <summary>
    /// Replaces CR, LF, NUL and every other control character with a space and collapses runs of
    /// white space, so the value stays on one header line.
    /// </summary>
    public static string StripControlCharacters(string? value)
    {
        if (string.IsNullOrEmpty(value)) return string.Empty;
        var builder = new StringBuilder(value.Length);
        var lastWasSpace = false;
        foreach (var c in value)
        {
            var isSpace = char.IsControl(c) || char.IsWhiteSpace(c) || c is '\u2028' or '\u2029';
            if (isSpace)
            {
                if (!lastWasSpace && builder.Length > 0) builder.Append(' ');
                lastWasSpace = true;
            }
            else
            {
                builder.Append(c);
                lastWasSpace = false;
            }
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>
    /// A display name safe for SendGrid and for an RFC 5322 header: no control characters, and no
    /// <c>,</c> or <c>;</c> (SendGrid rejects names that contain them), each replaced by a space.
    /// Returns null when nothing is left.
    /// </summary>
    public static string? CleanDisplayName(string? name)
    {
        if (name is null) return null;
        var cleaned = StripControlCharacters(name.Replace(',', ' ').Replace(';', ' '));
        return cleaned.Length == 0 ? null : cleaned;
    }
}
