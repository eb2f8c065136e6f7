namespace ComplianceBot.Storage;

/// <summary>
/// Where certificate files live: a blob container of the same storage account as the tables (the connection
/// string's blob endpoint, or <c>https://{Storage:AccountName}.blob.core.windows.net</c> with the managed identity).
/// Bound from the <c>Storage</c> section.
/// </summary>
public sealed class EvidenceStorageOptions
{
    /// <summary><c>Storage:EvidenceContainer</c>: the blob container of certificate files (default <c>evidence</c>).</summary>
    public string EvidenceContainer { get; set; } = "evidence";

    /// <summary>
    /// <c>Storage:BlobEndpoint</c>: explicit blob endpoint for the managed identity (sovereign clouds, private
    /// endpoints, or with <c>Storage:TableEndpoint</c>). Wins over the one derived from the account name.
    /// </summary>
    public string? BlobEndpoint { get; set; }

    /// <summary>The message for settings that cannot be used, or null.</summary>
    public string? Validate(TableStorageOptions tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        // Blob container names: 3-63 lower-case letters, digits and single hyphens, starting with a letter or digit.
        if (EvidenceContainer.Length is < 3 or > 63
            || !EvidenceContainer.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            || EvidenceContainer[0] == '-' || EvidenceContainer[^1] == '-' || EvidenceContainer.Contains("--", StringComparison.Ordinal))
        {
            return "Storage__EvidenceContainer must be 3-63 lower-case letters, digits and single hyphens (a blob container name).";
        }

        if (!string.IsNullOrWhiteSpace(BlobEndpoint) && !(Uri.TryCreate(BlobEndpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps))
        {
            return "Storage__BlobEndpoint must be an absolute https URL (Entra ID tokens are only sent over https).";
        }

        // (With nothing configured at all, the tables' own check names the settings.)
        if (string.IsNullOrWhiteSpace(tables.ConnectionString) && string.IsNullOrWhiteSpace(tables.AccountName)
            && !string.IsNullOrWhiteSpace(tables.TableEndpoint) && string.IsNullOrWhiteSpace(BlobEndpoint))
        {
            return "Storage__BlobEndpoint is required with Storage__TableEndpoint when no account name or connection string is set (certificate files live in a blob container).";
        }

        return null;
    }

    /// <summary>The blob endpoint used with a token credential (no connection string).</summary>
    internal Uri TokenEndpoint(TableStorageOptions tables) => !string.IsNullOrWhiteSpace(BlobEndpoint)
        ? new Uri(BlobEndpoint)
        : new Uri($"https://{tables.AccountName}.blob.core.windows.net");
}
