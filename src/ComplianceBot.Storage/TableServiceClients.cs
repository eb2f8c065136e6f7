using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage;

/// <summary>How the app's <see cref="TableServiceClient"/> is built, for <see cref="StorageServiceCollectionExtensions.AddStorageServices"/> and for tools outside DI.</summary>
public static class TableServiceClients
{
    /// <summary>
    /// Sets the SDK's retries and timeouts from <paramref name="options"/> and adds our two policies.
    /// Set explicitly rather than left at the SDK's defaults: those retry every write blindly (a lost answer
    /// then comes back as 409/412, which <c>TableClientExtensions</c> recognises by the row's operation id,
    /// so the count of retries is a setting we own), and their 100 s per-attempt timeout would let a hung
    /// storage hold an API request for about seven minutes over four attempts.
    /// </summary>
    public static void Configure(TableClientOptions clientOptions, TableStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clientOptions);
        ArgumentNullException.ThrowIfNull(options);
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.AttemptTimeout;

        // No per-request log events: AddAzureClients forwards them to ILogger at Information, i.e. one line per
        // storage call, with the entity's keys (ids, email addresses) in the URL, and an expected 409 (a claim
        // another run holds) as a warning. The repositories log outcomes; retries still raise RequestRetrying.
        clientOptions.Diagnostics.IsLoggingEnabled = false;
        clientOptions.AddPolicy(new NoAnswerPolicy(), HttpPipelinePosition.PerCall);
        clientOptions.AddPolicy(new AttemptCountingPolicy(), HttpPipelinePosition.PerRetry);
        clientOptions.AddPolicy(new DeadlinePolicy(options.AttemptTimeout), HttpPipelinePosition.PerRetry);
    }

    /// <summary>
    /// The service client for <paramref name="options"/>: from the connection string (shared key; Azurite), or
    /// for the account endpoint with <paramref name="credential"/> (default <see cref="DefaultAzureCredential"/>,
    /// i.e. the managed identity in Azure). <paramref name="clientOptions"/> may carry a transport (tests).
    /// </summary>
    public static TableServiceClient Create(TableStorageOptions options, TableClientOptions? clientOptions = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        clientOptions ??= new TableClientOptions();
        Configure(clientOptions, options);
        return Build(options, clientOptions, credential ?? new DefaultAzureCredential());
    }

    internal static TableServiceClient Build(TableStorageOptions options, TableClientOptions clientOptions, TokenCredential credential) =>
        string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new TableServiceClient(options.TokenEndpoint, credential, clientOptions)
            : new TableServiceClient(options.ConnectionString, clientOptions);
}
