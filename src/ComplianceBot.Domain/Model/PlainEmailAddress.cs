using System.Text.RegularExpressions;

namespace ComplianceBot.Domain.Model;

/// <summary>
/// A plain ASCII <c>local@domain.tld</c> mailbox: the one rule for an email address, applied where an
/// address enters (roster rows, a clinic's manager list) and by the senders, so an address accepted at
/// input is one the senders will send to.
/// </summary>
/// <remarks>
/// Deliberately narrower than RFC 5322: no display name, quotes, comments, white space or non-ASCII
/// characters (SendGrid and many relays refuse internationalized addresses), and a dotted domain
/// (<c>boss@clinic</c> is not deliverable on the public internet). Not to be confused with
/// <c>Ports.EmailAddress</c>, a recipient of an outgoing email (address and display name).
/// </remarks>
public readonly partial record struct PlainEmailAddress
{
    /// <summary>Longest address accepted (RFC 5321 path limit less the angle brackets).</summary>
    public const int MaxLength = 254;

    /// <summary>Longest local part (RFC 5321 4.5.3.1.1).</summary>
    public const int MaxLocalPartLength = 64;

    private PlainEmailAddress(string value) => Value = value;

    /// <summary>The address as given (already checked; never trimmed or case-folded).</summary>
    public string Value { get; }

    public override string ToString() => Value ?? string.Empty;

    /// <summary>Whether <paramref name="text"/> is an address this rule accepts.</summary>
    public static bool IsValid(string? text) => TryParse(text, out _, out _);

    /// <summary>Parses an address, or says in words why it is refused (for a row or field error).</summary>
    /// <param name="problem">
    /// Null when accepted; otherwise the whole message, naming the value, e.g.
    /// <c>'boss@clinic' is not a valid email address: it has no dot in its domain (such as clinic.org)</c>.
    /// </param>
    public static bool TryParse(string? text, out PlainEmailAddress address, out string? problem)
    {
        address = default;
        problem = Refusal(text) is { } reason ? $"'{text}' is not a valid email address: {reason}" : null;
        if (problem is not null) return false;
        address = new PlainEmailAddress(text!);
        return true;
    }

    private static string? Refusal(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "it is empty";
        if (text.Length > MaxLength) return $"it is longer than {MaxLength} characters";
        if (text.Any(char.IsControl)) return "it contains a control character (line break or similar)";
        if (text.Any(char.IsWhiteSpace)) return "it contains a space: give only the address, without a name";
        if (text.Any(c => c > '\u007f')) return "it contains a non-ASCII character such as é: use the plain ASCII address the mailbox also answers to";
        var at = text.LastIndexOf('@');
        if (at < 0 || text.IndexOf('@', StringComparison.Ordinal) != at) return "it must contain exactly one '@'";
        var local = text[..at];
        var domain = text[(at + 1)..];
        if (local.Length == 0) return "it has nothing before the '@'";
        if (local.Length > MaxLocalPartLength) return $"it has more than {MaxLocalPartLength} characters before the '@'";
        if (!LocalPart().IsMatch(local)) return "it has characters before the '@' that need quoting, or a leading, trailing or doubled dot";
        if (!domain.Contains('.', StringComparison.Ordinal)) return "it has no dot in its domain (such as clinic.org)";
        if (!Domain().IsMatch(domain)) return "its domain is not a valid host name";
        return null;
    }

    // Dot-atom local part (RFC 5322 3.2.3) without leading, trailing or doubled dots.
    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LocalPart();

    // Letters, digits and hyphens per label (no leading or trailing hyphen), at least two labels.
    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Domain();
}
