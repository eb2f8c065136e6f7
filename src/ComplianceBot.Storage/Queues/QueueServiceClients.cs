using Azure.Core;
using Azure.Storage.Queues;

namespace ComplianceBot.Storage.Queues;

/// <summary>How the app's <see cref="QueueServiceClient"/> is built: the same account, retries and timeouts as its tables.</summary>
public static class QueueServiceClients
{
    /// <summary>
    /// Messages as they are stored (<see cref="QueueText"/> does the base64 the Functions queue extension expects, one
    /// message at a time) and the table client's retry settings.
    /// </summary>
    public static void Configure(QueueClientOptions clientOptions, TableStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clientOptions);
        ArgumentNullException.ThrowIfNull(options);
        clientOptions.MessageEncoding = QueueMessageEncoding.None;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.AttemptTimeout;
        clientOptions.Diagnostics.IsLoggingEnabled = false;
    }

    internal static QueueServiceClient Build(TableStorageOptions options, QueueClientOptions clientOptions, TokenCredential credential) =>
        string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new QueueServiceClient(options.QueueTokenEndpoint, credential, clientOptions)
            : new QueueServiceClient(options.ConnectionString, clientOptions);
}
