using System.Globalization;

namespace ComplianceBot.Domain.Model;

/// <summary>
/// How a card or certificate number is shown to the people allowed to see a person's records (HR, the
/// person's managers): masked but for its last four characters, so it can be matched against a card
/// without the whole number being copied around. The whole number is never shown, emailed or logged.
/// </summary>
public static class CredentialNumbers
{
    /// <summary>What stands in for the hidden characters; the same length whatever the number's length.</summary>
    public const string Hidden = "•••••";

    /// <summary>
    /// The number masked but for its last four characters (<c>AB-123456789</c> → <c>•••••6789</c>); a number of
    /// four characters or fewer is masked whole (<c>•••••</c>); no number (or only spaces) is null.
    /// </summary>
    public static string? Mask(string? number)
    {
        var trimmed = number?.Trim();
        if (string.IsNullOrEmpty(trimmed)) return null;
        var characters = new StringInfo(trimmed);
        var length = characters.LengthInTextElements;
        return length <= 4 ? Hidden : Hidden + characters.SubstringByTextElements(length - 4);
    }
}
