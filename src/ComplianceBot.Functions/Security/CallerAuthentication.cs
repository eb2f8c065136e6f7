using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Functions.Security;

/// <summary>The caller a request authenticates as, or why it does not.</summary>
/// <param name="User">The principal, or null when the request is anonymous or its credential is refused.</param>
/// <param name="Failure">Why a presented credential was refused (null when none was presented).</param>
public readonly record struct Caller(ClaimsPrincipal? User, string? Failure);

/// <summary>
/// Authenticates a request from an <c>X-Api-Key</c> header, or from the principal App Service
/// Authentication puts in <c>X-MS-CLIENT-PRINCIPAL</c>, trusted only when the platform says
/// authentication is on. Anything else is anonymous, and protected functions answer it 401.
/// </summary>
public sealed class CallerAuthentication(IOptions<AuthOptions> auth, PlatformAuth platform)
{
    public const string ClinicClaim = "clinic";

    /// <summary>The caller's Microsoft Entra object id: stable for the life of the account, unlike its sign-in name.</summary>
    public const string ObjectIdClaim = "oid";

    private const string ObjectIdentifierClaimType = "http://schemas.microsoft.com/identity/claims/objectidentifier";
    public const string ApiKeyHeader = "X-Api-Key";
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    public Caller Authenticate(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.TryGetValue(ApiKeyHeader, out var key))
        {
            return FromApiKey(key.ToString());
        }

        if (platform.Enabled && headers.TryGetValue(PrincipalHeader, out var principal))
        {
            return FromPlatformPrincipal(principal.ToString());
        }

        return default;
    }

    private Caller FromApiKey(string presented)
    {
        // Hashing both sides gives equal lengths, so the comparison takes the same time whatever was sent.
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        foreach (var key in auth.Value.ApiKeys)
        {
            var expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(key.Key));
            if (!CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash)) continue;

            var claims = new List<Claim>
            {
                new(ClaimTypes.Name, "apikey:" + key.Name),
                new(ClaimTypes.Role, key.Role),
            };
            claims.AddRange(key.Clinics
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => new Claim(ClinicClaim, c)));
            return Success(claims, "ApiKey");
        }

        return new Caller(null, $"The API key in {ApiKeyHeader} is not one this app knows: check it for typing or copying mistakes, or ask for a new one.");
    }

    /// <summary>
    /// Decodes the platform principal: base64 JSON <c>{auth_typ, name_typ, role_typ, claims:[{typ,val}]}</c>.
    /// See https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
    /// </summary>
    private static Caller FromPlatformPrincipal(string header)
    {
        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(header));
            var root = doc.RootElement;
            var roleType = root.TryGetProperty("role_typ", out var rt) ? rt.GetString() : null;
            var claims = new List<Claim>();
            string? email = null;
            string? name = null;
            foreach (var c in root.GetProperty("claims").EnumerateArray())
            {
                var typ = c.GetProperty("typ").GetString() ?? string.Empty;
                var val = c.GetProperty("val").GetString() ?? string.Empty;
                if (typ == "roles" || typ == roleType || typ == ClaimTypes.Role)
                {
                    claims.Add(new Claim(ClaimTypes.Role, val));
                }
                else if (typ is "preferred_username" or "email" or "upn" or ClaimTypes.Email or ClaimTypes.Upn)
                {
                    email ??= val;
                }
                else if (typ is "name" or ClaimTypes.Name)
                {
                    name ??= val;
                }
                else if (typ is ObjectIdClaim or ObjectIdentifierClaimType && Guid.TryParse(val, out var objectId))
                {
                    claims.Add(new Claim(ObjectIdClaim, objectId.ToString("D")));
                }
            }

            if (email is not null) claims.Add(new Claim(ClaimTypes.Email, email));
            claims.Add(new Claim(ClaimTypes.Name, email ?? name ?? "unknown"));
            return Success(claims, "AppServiceAuthentication");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new Caller(null, "The sign-in could not be read. Sign in again.");
        }
    }

    private static Caller Success(IEnumerable<Claim> claims, string type) =>
        new(new ClaimsPrincipal(new ClaimsIdentity(claims, type, ClaimTypes.Name, ClaimTypes.Role)), null);
}

/// <summary>
/// Whether App Service Authentication is on for this app, as the platform reports it: the
/// <c>WEBSITE_AUTH_ENABLED</c> variable of the process environment, which App Service sets. It is read from the
/// environment only, never from other configuration sources (an appsettings file or a command-line argument
/// must not switch on trust in a header any caller can send), and the local host never trusts it.
/// </summary>
public sealed class PlatformAuth(bool enabled)
{
    public const string Variable = "WEBSITE_AUTH_ENABLED";

    /// <summary>For hosts that are never behind App Service Authentication (the local host).</summary>
    public static readonly PlatformAuth Off = new(false);

    public bool Enabled { get; } = enabled;

    public static PlatformAuth FromEnvironment() =>
        new(string.Equals(Environment.GetEnvironmentVariable(Variable), "True", StringComparison.OrdinalIgnoreCase));
}
