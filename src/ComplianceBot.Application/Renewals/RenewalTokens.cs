using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Application.Renewals;

/// <summary>Who a valid renewal link is for, and until when it works.</summary>
public sealed record RenewalGrant(string ClinicId, string EmployeeId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>A personal renewal link and when it stops working.</summary>
public sealed record RenewalLink(Uri Url, DateTimeOffset ExpiresAt);

/// <summary>What checking a presented link found.</summary>
public enum RenewalTokenCheck
{
    Valid,

    /// <summary>Well-formed and signed by a key in force, but past its expiry.</summary>
    Expired,

    /// <summary>Not a link this app signed: malformed, altered, or signed by a key no longer in force.</summary>
    Invalid,

    /// <summary>Self-service renewal is off (no signing key configured).</summary>
    Disabled,
}

/// <summary>
/// Signs and checks the personal renewal links: <c>v1.{payload}.{signature}</c>, base64url, where the payload is
/// <c>clinic|employee|issued|expires</c> (Unix seconds) and the signature its HMAC-SHA256 under
/// <c>Renewal:SigningKey</c>. Links signed with <c>Renewal:PreviousSigningKey</c> are accepted too, so the key can
/// be rotated without breaking the links already in inboxes. The token grants one person's renewal page only.
/// </summary>
public sealed class RenewalTokens(IOptions<RenewalOptions> options, TimeProvider time)
{
    private const string Version = "v1";

    // Longest token read: a clinic id (63), an employee id (64), two timestamps and the signature fit well under it.
    private const int MaxTokenLength = 512;

    public bool Enabled => options.Value.Enabled;

    /// <summary>A token for one person, valid for <see cref="RenewalOptions.LinkLifetime"/> from now.</summary>
    public string Issue(string clinicId, string employeeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clinicId);
        ArgumentException.ThrowIfNullOrEmpty(employeeId);
        var settings = options.Value;
        if (!settings.Enabled) throw new InvalidOperationException("Renewal links are off: Renewal:SigningKey is not set.");
        var now = time.GetUtcNow();
        var expires = now + settings.LinkLifetime;
        var payload = string.Join('|', clinicId, employeeId, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var payloadBytes = Encoding.UTF8.GetBytes(payload);
        return $"{Version}.{Base64Url(payloadBytes)}.{Base64Url(Sign(settings.SigningKey!, payloadBytes))}";
    }

    /// <summary>
    /// The link a reminder carries, or null when links are off: the renewal page with the token in the fragment,
    /// which browsers never send to a server, so the token is in no request log and no Referer header.
    /// </summary>
    public RenewalLink? LinkFor(string clinicId, string employeeId)
    {
        var settings = options.Value;
        if (!settings.Enabled) return null;
        var baseUrl = settings.PublicBaseUrl!.TrimEnd('/');
        return new RenewalLink(new Uri($"{baseUrl}/api/renew/#{Issue(clinicId, employeeId)}"), time.GetUtcNow() + settings.LinkLifetime);
    }

    /// <summary>Checks a presented token: signature (current or previous key, in constant time), shape, then expiry.</summary>
    public RenewalTokenCheck Check(string? token, out RenewalGrant? grant)
    {
        grant = null;
        var settings = options.Value;
        if (!settings.Enabled) return RenewalTokenCheck.Disabled;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength) return RenewalTokenCheck.Invalid;
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != Version) return RenewalTokenCheck.Invalid;
        if (!TryFromBase64Url(parts[1], out var payloadBytes) || !TryFromBase64Url(parts[2], out var signature)) return RenewalTokenCheck.Invalid;

        var signed = CryptographicOperations.FixedTimeEquals(signature, Sign(settings.SigningKey!, payloadBytes))
            | (settings.PreviousSigningKey is { Length: > 0 } previous && CryptographicOperations.FixedTimeEquals(signature, Sign(previous, payloadBytes)));
        if (!signed) return RenewalTokenCheck.Invalid;

        var fields = Encoding.UTF8.GetString(payloadBytes).Split('|');
        if (fields.Length != 4
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
            || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || fields[0].Length == 0 || fields[1].Length == 0)
        {
            return RenewalTokenCheck.Invalid;
        }

        // An expired link names nobody to the caller: the grant is given only with Valid.
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        if (time.GetUtcNow() >= expiresAt) return RenewalTokenCheck.Expired;
        grant = new RenewalGrant(fields[0], fields[1], DateTimeOffset.FromUnixTimeSeconds(issued), expiresAt);
        return RenewalTokenCheck.Valid;
    }

    private static byte[] Sign(string key, byte[] payload) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), payload);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryFromBase64Url(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))) return false;
        var padded = text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4);
        try
        {
            bytes = Convert.FromBase64String(padded);

            // Only the one canonical spelling: the decoder ignores a last character's unused bits, so without this
            // check a changed token could still read as the original.
            return Base64Url(bytes) == text;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
