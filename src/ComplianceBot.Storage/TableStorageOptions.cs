using Azure.Data.Tables;

namespace ComplianceBot.Storage;

/// <summary>
/// Where the app's tables are and how hard a call may try, bound from the <c>Storage</c> configuration section
/// (environment variables use a double underscore: <c>Storage__ConnectionString</c>).
/// Either <see cref="ConnectionString"/> or one of <see cref="AccountName"/>/<see cref="TableEndpoint"/> is required.
/// </summary>
public sealed class TableStorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Longest a storage call may take in the worst case the settings allow (every attempt timing out).</summary>
    public static readonly TimeSpan MaxWorstCaseCall = TimeSpan.FromMinutes(2);

    /// <summary>
    /// <c>Storage:ConnectionString</c> / <c>Storage__ConnectionString</c>: an account connection string
    /// (<c>AccountName=...;AccountKey=...</c>, optionally <c>TableEndpoint=...</c>) or
    /// <c>UseDevelopmentStorage=true</c> for Azurite. Keep it in Key Vault; it is never logged.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// <c>Storage:AccountName</c> / <c>Storage__AccountName</c>: the storage account, reached with
    /// <c>DefaultAzureCredential</c> (the app's managed identity) when no connection string is set.
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
    /// <c>Storage:MaxRetries</c>: retries after the first attempt for transient failures (408/429/5xx,
    /// transport errors, attempt timeouts). Default 3, i.e. at most 4 attempts.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary><c>Storage:RetryDelay</c>: base delay of the jittered exponential backoff. Default 0.8 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);

    /// <summary><c>Storage:MaxRetryDelay</c>: cap on the backoff between two attempts. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Storage:AttemptTimeout</c>: time limit of one attempt, answer body included. Default 10 s: a point
    /// read or a 100-row transaction takes well under a second, and a hung storage then fails a call in
    /// under a minute (see <see cref="WorstCaseCall"/>) instead of holding an API request for minutes.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Storage:RequestTimeout</c>: the most one API request waits on storage in total, over all its calls and
    /// their retries (<see cref="StorageDeadline"/>). Default 30 s: a request answers 503 "try again" after that
    /// instead of adding up each call's worst case.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Storage:ImportRequestTimeout</c>: the same limit for an import, which writes thousands of rows. Default
    /// 200 s: 100,000 rows take well under it here, and Azure's front end ends any HTTP request at 230 s.
    /// </summary>
    public TimeSpan ImportRequestTimeout { get; set; } = TimeSpan.FromSeconds(200);

    /// <summary>Azure's front end ends an HTTP request after 230 s whatever the app does.</summary>
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromSeconds(230);

    /// <summary>
    /// The longest one storage call can take when every attempt times out: each attempt's timeout plus the
    /// backoff before each retry (with the SDK's jitter of up to 1.2×). 46.7 s with the defaults.
    /// </summary>
    public TimeSpan WorstCaseCall
    {
        get
        {
            var total = AttemptTimeout * (MaxRetries + 1);
            for (var retry = 0; retry < MaxRetries; retry++)
            {
                var backoff = RetryDelay * Math.Pow(2, retry) * 1.2;
                total += backoff < MaxRetryDelay ? backoff : MaxRetryDelay;
            }

            return total;
        }
    }

    /// <summary>The message for a configuration that cannot be used, or null when it is usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountName) && string.IsNullOrWhiteSpace(TableEndpoint))
        {
            return "Table Storage is not configured: set Storage__ConnectionString (e.g. UseDevelopmentStorage=true for Azurite) or Storage__AccountName (managed identity).";
        }

        if (!string.IsNullOrWhiteSpace(ConnectionString) && !IsUsableConnectionString(ConnectionString))
        {
            // The SDK's own message is left out: it may quote parts of the string, key included.
            return "Storage__ConnectionString is not a usable connection string: expected AccountName=...;AccountKey=... (optionally TableEndpoint=...) or UseDevelopmentStorage=true.";
        }

        if (string.IsNullOrWhiteSpace(ConnectionString) && !string.IsNullOrWhiteSpace(TableEndpoint)
            && !(Uri.TryCreate(TableEndpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps))
        {
            return "Storage__TableEndpoint must be an absolute https URL (Entra ID tokens are only sent over https).";
        }

        if (!string.IsNullOrEmpty(TablePrefix) && !TablePrefix.All(char.IsAsciiLetterOrDigit))
        {
            return "Storage__TablePrefix may contain only letters and digits.";
        }

        if (MaxRetries is < 0 or > 10) return "Storage__MaxRetries must be between 0 and 10.";
        if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay) return "Storage__RetryDelay must be positive and at most Storage__MaxRetryDelay.";
        if (AttemptTimeout <= TimeSpan.Zero) return "Storage__AttemptTimeout must be positive.";
        if (WorstCaseCall > MaxWorstCaseCall)
        {
            return $"Storage__AttemptTimeout, Storage__MaxRetries and Storage__MaxRetryDelay let one storage call take {WorstCaseCall.TotalSeconds:F0} s when storage hangs; at most {MaxWorstCaseCall.TotalSeconds:F0} s is allowed, so an API request fails in time instead of waiting.";
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > MaxRequestTimeout || ImportRequestTimeout <= TimeSpan.Zero || ImportRequestTimeout > MaxRequestTimeout)
        {
            return $"Storage__RequestTimeout and Storage__ImportRequestTimeout must be positive and at most {MaxRequestTimeout.TotalSeconds:F0} s (Azure ends an HTTP request then).";
        }

        return null;
    }

    /// <summary>The table service endpoint used with a token credential (no connection string).</summary>
    internal Uri TokenEndpoint => !string.IsNullOrWhiteSpace(TableEndpoint)
        ? new Uri(TableEndpoint)
        : new Uri($"https://{AccountName}.table.core.windows.net");

    /// <summary>
    /// The queue service endpoint used with a token credential: the account's (the clinic-run queue lives in the
    /// same account as the tables, which infra/ also makes the Functions host's storage). A table endpoint alone
    /// names no queue service, so it needs the account name too.
    /// </summary>
    internal Uri QueueTokenEndpoint => !string.IsNullOrWhiteSpace(AccountName)
        ? new Uri($"https://{AccountName}.queue.core.windows.net")
        : throw new InvalidOperationException("The clinic-run queue needs Storage__AccountName (or Storage__ConnectionString): Storage__TableEndpoint names no queue service.");

    private static bool IsUsableConnectionString(string connectionString)
    {
        try
        {
            // Parses and builds the credential; no request is sent.
            _ = new TableServiceClient(connectionString);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
