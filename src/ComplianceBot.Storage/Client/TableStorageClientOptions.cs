namespace ComplianceBot.Storage.Client;

/// <summary>
/// Settings of the Table Storage client, bound from the <c>Storage</c> configuration section
/// (environment variables use a double underscore: <c>Storage__ConnectionString</c>).
/// Either <see cref="ConnectionString"/> or one of <see cref="AccountName"/>/<see cref="TableEndpoint"/> is required.
/// </summary>
public sealed class TableStorageClientOptions
{
    public const string SectionName = "Storage";

    /// <summary>
    /// <c>Storage:ConnectionString</c> / <c>Storage__ConnectionString</c>: an account connection string
    /// (<c>AccountName=...;AccountKey=...</c>, optionally <c>TableEndpoint=...</c>) or
    /// <c>UseDevelopmentStorage=true</c> for Azurite. Requests are signed with SharedKeyLite.
    /// Keep it in Key Vault; it is never logged.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// <c>Storage:AccountName</c> / <c>Storage__AccountName</c>: the storage account, used with Entra ID
    /// (DefaultAzureCredential, e.g. a managed identity) when no connection string is set.
    /// The endpoint becomes <c>https://{AccountName}.table.core.windows.net</c>.
    /// </summary>
    public string? AccountName { get; set; }

    /// <summary>
    /// <c>Storage:TableEndpoint</c> / <c>Storage__TableEndpoint</c>: explicit table endpoint for Entra ID
    /// auth (sovereign clouds, private endpoints). Wins over the one derived from <see cref="AccountName"/>.
    /// </summary>
    public string? TableEndpoint { get; set; }

    /// <summary>
    /// <c>Storage:TablePrefix</c> / <c>Storage__TablePrefix</c> (optional): letters and digits put in
    /// front of every table name, so tests or environments sharing an account stay apart.
    /// </summary>
    public string TablePrefix { get; set; } = string.Empty;

    /// <summary>
    /// <c>Storage:MaxRetries</c> / <c>Storage__MaxRetries</c>: retries after the first attempt for
    /// transient failures (408/429/5xx, transport errors). Default 3, i.e. at most 4 attempts.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary><c>Storage:RetryDelay</c>: base delay of the jittered exponential backoff. Default 0.8 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);

    /// <summary><c>Storage:MaxRetryDelay</c>: cap on any one wait, including a server's Retry-After. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Storage:AttemptTimeout</c>: time limit of one HTTP attempt. Default 30 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The message for a configuration that names no account, or null when it is usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountName) && string.IsNullOrWhiteSpace(TableEndpoint))
        {
            return "Table Storage is not configured: set Storage__ConnectionString (e.g. UseDevelopmentStorage=true for Azurite) or Storage__AccountName (managed identity).";
        }

        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            try
            {
                _ = StorageConnection.Parse(ConnectionString);
            }
            catch (FormatException ex)
            {
                return "Storage__ConnectionString is not a usable connection string: " + ex.Message;
            }
        }

        if (!string.IsNullOrEmpty(TablePrefix) && !TablePrefix.All(char.IsAsciiLetterOrDigit))
        {
            return "Storage__TablePrefix may contain only letters and digits.";
        }

        if (MaxRetries is < 0 or > 10) return "Storage__MaxRetries must be between 0 and 10.";
        return null;
    }
}
