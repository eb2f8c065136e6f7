using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Functions.Security;

/// <summary>
/// Authenticates a request from an <c>X-Api-Key</c> header, or from the principal App Service
/// Authentication puts in <c>X-MS-CLIENT-PRINCIPAL</c>, trusted only when the platform says
/// authentication is on. Anything else is anonymous and gets 401 from protected routes.
/// </summary>
public sealed class ComplianceBotAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth,
    PlatformAuth platform)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ComplianceBot";
    public const string ClinicClaim = "clinic";
    public const string ApiKeyHeader = "X-Api-Key";
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.TryGetValue(ApiKeyHeader, out var keyValues))
        {
            return Task.FromResult(FromApiKey(keyValues.ToString()));
        }

        if (platform.Enabled && Request.Headers.TryGetValue(PrincipalHeader, out var principal))
        {
            return Task.FromResult(FromPlatformPrincipal(principal.ToString()));
        }

        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private AuthenticateResult FromApiKey(string presented)
    {
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

        return AuthenticateResult.Fail("The API key is not valid.");
    }

    /// <summary>
    /// Decodes the platform principal: base64 JSON <c>{auth_typ, name_typ, role_typ, claims:[{typ,val}]}</c>.
    /// See https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
    /// </summary>
    private static AuthenticateResult FromPlatformPrincipal(string header)
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
            }

            if (email is not null) claims.Add(new Claim(ClaimTypes.Email, email));
            claims.Add(new Claim(ClaimTypes.Name, email ?? name ?? "unknown"));
            return Success(claims, "AppServiceAuthentication");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return AuthenticateResult.Fail("The platform principal header could not be read.");
        }
    }

    private static AuthenticateResult Success(IEnumerable<Claim> claims, string type)
    {
        var identity = new ClaimsIdentity(claims, type, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>Whether App Service Authentication is on for this app, as the platform reports it.</summary>
public sealed class PlatformAuth(IConfiguration configuration)
{
    public bool Enabled { get; } = string.Equals(configuration["WEBSITE_AUTH_ENABLED"], "True", StringComparison.OrdinalIgnoreCase);
}
