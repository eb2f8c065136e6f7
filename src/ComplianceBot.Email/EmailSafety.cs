using System.Net.Mail;
using System.Text;
using System.Text.RegularExpressions;

namespace ComplianceBot.Email;

/// <summary>
/// Cleans anything that ends up in a mail header (subject, display names) and validates addresses.
/// Both senders use it, so a hostile roster row cannot add a header or a recipient.
/// </summary>
public static partial class EmailSafety
{
    /// <summary>Longest address accepted (RFC 5321 path limit less the angle brackets).</summary>
    public const int MaxAddressLength = 254;

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

    /// <summary>
    /// True for a plain ASCII <c>local@domain</c> address that <see cref="MailAddress"/> accepts and
    /// that needs no quoting: no display name, comments, quotes, white space or control characters,
    /// and a dotted domain.
    /// </summary>
    public static bool IsValidAddress(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > MaxAddressLength) return false;
        if (!StrictAddress().IsMatch(address)) return false;
        if (!MailAddress.TryCreate(address, out var parsed)) return false;

        // MailAddress accepts "Name <a@b.c>" and normalizes; the parsed address must be the input itself.
        return string.Equals(parsed.Address, address, StringComparison.Ordinal) && parsed.DisplayName.Length == 0;
    }

    // Dot-atom local part (RFC 5322 3.2.3) without leading, trailing or doubled dots; LDH domain labels.
    [GeneratedRegex(
        @"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
        RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 1000)]
    private static partial Regex StrictAddress();
}
