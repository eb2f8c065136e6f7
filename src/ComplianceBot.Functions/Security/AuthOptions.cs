namespace ComplianceBot.Functions.Security;

/// <summary>Roles the app knows. In Entra ID they are app roles of the app registration.</summary>
public static class Roles
{
    public const string Hr = "HR";
    public const string Manager = "Manager";
}

/// <summary>
/// How callers are authenticated. Config section <c>Auth</c>. With neither platform authentication
/// nor an API key configured, every protected call is refused (fail closed).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>
    /// <c>Auth:RequirePlatformAuth</c>: true in Azure. The app then refuses to start unless App
    /// Service Authentication is on (the platform sets <c>WEBSITE_AUTH_ENABLED=True</c>); only then is
    /// the <c>X-MS-CLIENT-PRINCIPAL</c> header trusted.
    /// </summary>
    public bool RequirePlatformAuth { get; set; }

    /// <summary>
    /// <c>Auth:ApiKeys:N:*</c>: keys for local use and service integrations (e.g. an HR system pushing
    /// records), sent in the <c>X-Api-Key</c> header.
    /// </summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

/// <summary>One API key and what it may do.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Who holds the key; recorded as the actor in the audit log.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The secret, at least 32 characters. Never logged.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary><c>HR</c> or <c>Manager</c>.</summary>
    public string Role { get; set; } = string.Empty;

    /// <summary>For a Manager key: comma-separated clinic ids it may read.</summary>
    public string Clinics { get; set; } = string.Empty;
}
