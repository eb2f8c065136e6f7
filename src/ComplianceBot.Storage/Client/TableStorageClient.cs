using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ComplianceBot.Storage.Client;

/// <summary>One page of a query: its entities and whether more pages follow.</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Values, bool HasMore);

/// <summary>
/// A small Azure Table Storage REST client shaped like Azure.Data.Tables' TableClient/TableServiceClient
/// (REST reference: https://learn.microsoft.com/rest/api/storageservices/table-service-rest-api).
/// Authentication is a <see cref="DelegatingHandler"/> (SharedKeyLite or Entra ID bearer); transient
/// failures are retried by a Polly pipeline; every write stamps an operation id (<see cref="TableEntity.OperationIdProperty"/>)
/// so a retried write that meets its own earlier success (409/412) is reported as the success it was.
/// Thread-safe; use one instance per process.
/// </summary>
public sealed partial class TableStorageClient : IDisposable
{
    private static readonly HttpMethod Merge = new("MERGE");
    private readonly HttpClient _http;
    private readonly string _baseUri;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <param name="options">Where and how to connect; see <see cref="TableStorageClientOptions"/>.</param>
    /// <param name="timeProvider">Clock for request dates and Retry-After; defaults to the system clock.</param>
    /// <param name="transport">Innermost handler (tests put fault injection here); defaults to a pooled SocketsHttpHandler.</param>
    /// <param name="credential">Credential for Entra ID auth when no connection string is set; defaults to DefaultAzureCredential.</param>
    public TableStorageClient(
        TableStorageClientOptions options,
        TimeProvider? timeProvider = null,
        ILogger<TableStorageClient>? logger = null,
        HttpMessageHandler? transport = null,
        TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<TableStorageClient>.Instance;
        transport ??= new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 64 };

        DelegatingHandler auth;
        Uri endpoint;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var connection = StorageConnection.Parse(options.ConnectionString);
            endpoint = connection.TableEndpoint;
            AccountName = connection.AccountName;
            auth = new SharedKeyLiteHandler(connection.AccountName, connection.AccountKey!);
        }
        else
        {
            endpoint = !string.IsNullOrWhiteSpace(options.TableEndpoint)
                ? new Uri(options.TableEndpoint.TrimEnd('/'))
                : new Uri($"https://{options.AccountName}.table.core.windows.net");
            AccountName = options.AccountName ?? endpoint.Host.Split('.')[0];
            auth = new BearerTokenHandler(credential ?? new DefaultAzureCredential(), _timeProvider);
        }

        Endpoint = endpoint;
        _baseUri = endpoint.AbsoluteUri.TrimEnd('/');
        auth.InnerHandler = transport;
        _http = new HttpClient(new TableHeadersHandler(_timeProvider) { InnerHandler = auth }) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = BuildPipeline(options);
    }

    /// <summary>The table service endpoint, e.g. <c>http://127.0.0.1:10002/devstoreaccount1</c>.</summary>
    public Uri Endpoint { get; }

    public string AccountName { get; }

    /// <summary>Creates the table (Create Table, https://learn.microsoft.com/rest/api/storageservices/create-table). Returns false when it already existed.</summary>
    public async Task<bool> CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        var body = Encoding.UTF8.GetBytes($"{{\"TableName\":\"{table}\"}}");
        var (response, _) = await SendAsync(() => Request(HttpMethod.Post, $"{_baseUri}/Tables", body, prefer: true), cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.IsSuccessStatusCode) return true;
            if (response.StatusCode == HttpStatusCode.Conflict) return false;
            throw await ErrorAsync(response, "Create table", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the table (https://learn.microsoft.com/rest/api/storageservices/delete-table). Returns false when there was none.</summary>
    public async Task<bool> DeleteTableAsync(string table, CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        var (response, _) = await SendAsync(() => Request(HttpMethod.Delete, $"{_baseUri}/Tables('{table}')"), cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.IsSuccessStatusCode) return true;
            if (response.StatusCode == HttpStatusCode.NotFound) return false;
            throw await ErrorAsync(response, "Delete table", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads one entity (Query Entities by key); null when it does not exist.</summary>
    public async Task<TableEntity?> GetEntityAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        TableKey.Validate(partitionKey, nameof(partitionKey));
        TableKey.Validate(rowKey, nameof(rowKey));
        var uri = TableTransaction.EntityUri(_baseUri, table, partitionKey, rowKey);
        var (response, _) = await SendAsync(() => Request(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, "Get entity", cancellationToken).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return EntityJson.ReadEntity(bytes, HeaderValue(response, "ETag"));
        }
    }

    /// <summary>Inserts a new entity (https://learn.microsoft.com/rest/api/storageservices/insert-entity); 409 <c>EntityAlreadyExists</c> when the key is taken. Returns the new ETag.</summary>
    public Task<string> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, HttpMethod.Post, ifMatch: null, "Insert entity", cancellationToken);

    /// <summary>Insert Or Replace (PUT without If-Match): last writer wins. Not for concurrency-sensitive entities.</summary>
    public Task<string> InsertOrReplaceAsync(string table, TableEntity entity, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, HttpMethod.Put, ifMatch: null, "Insert or replace entity", cancellationToken);

    /// <summary>Insert Or Merge (MERGE without If-Match): last writer wins per property.</summary>
    public Task<string> InsertOrMergeAsync(string table, TableEntity entity, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, Merge, ifMatch: null, "Insert or merge entity", cancellationToken);

    /// <summary>
    /// Replaces an existing entity when its ETag still matches (https://learn.microsoft.com/rest/api/storageservices/update-entity2):
    /// 412 <c>UpdateConditionNotSatisfied</c> when it changed, 404 when it is gone. <paramref name="ifMatch"/>
    /// defaults to <see cref="TableEntity.ETag"/>; pass <c>*</c> for an unconditional must-exist replace.
    /// </summary>
    public Task<string> UpdateAsync(string table, TableEntity entity, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, HttpMethod.Put, RequireIfMatch(entity, ifMatch), "Update entity", cancellationToken);

    /// <summary>Merges properties into an existing entity when its ETag matches (https://learn.microsoft.com/rest/api/storageservices/merge-entity).</summary>
    public Task<string> MergeAsync(string table, TableEntity entity, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, Merge, RequireIfMatch(entity, ifMatch), "Merge entity", cancellationToken);

    /// <summary>
    /// Deletes an entity (https://learn.microsoft.com/rest/api/storageservices/delete-entity1); false when it did not
    /// exist (true when a retry found it gone after a lost answer). 412 on an ETag mismatch.
    /// </summary>
    public async Task<bool> DeleteEntityAsync(string table, string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        TableKey.Validate(partitionKey, nameof(partitionKey));
        TableKey.Validate(rowKey, nameof(rowKey));
        var uri = TableTransaction.EntityUri(_baseUri, table, partitionKey, rowKey);
        var (response, attempts) = await SendAsync(
            () =>
            {
                var request = Request(HttpMethod.Delete, uri);
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                return request;
            },
            cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.IsSuccessStatusCode) return true;

            // After a retry, 404 most likely means our first attempt deleted it and its answer was lost.
            if (response.StatusCode == HttpStatusCode.NotFound) return attempts > 1;
            throw await ErrorAsync(response, "Delete entity", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queries entities page by page (https://learn.microsoft.com/rest/api/storageservices/query-entities),
    /// following <c>x-ms-continuation-*</c> headers until the service sends none; a page may be empty and
    /// still have a successor. <paramref name="pageSize"/> is sent as <c>$top</c> (at most 1000 per page).
    /// </summary>
    public async IAsyncEnumerable<TablePage> QueryPagesAsync(
        string table,
        string? filter = null,
        IReadOnlyList<string>? select = null,
        int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        if (pageSize is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(pageSize), "The service returns at most 1000 entities per page.");
        var fixedQuery = new StringBuilder();
        if (filter is not null) fixedQuery.Append("&$filter=").Append(Uri.EscapeDataString(filter));
        if (select is { Count: > 0 }) fixedQuery.Append("&$select=").Append(Uri.EscapeDataString(string.Join(',', select)));
        if (pageSize is not null) fixedQuery.Append("&$top=").Append(pageSize.Value);
        string? nextPartitionKey = null, nextRowKey = null;
        do
        {
            var query = new StringBuilder(fixedQuery.ToString());
            if (nextPartitionKey is not null) query.Append("&NextPartitionKey=").Append(Uri.EscapeDataString(nextPartitionKey));
            if (nextRowKey is not null) query.Append("&NextRowKey=").Append(Uri.EscapeDataString(nextRowKey));
            var uri = query.Length > 0 ? $"{_baseUri}/{table}()?{query.ToString(1, query.Length - 1)}" : $"{_baseUri}/{table}()";
            var (response, _) = await SendAsync(() => Request(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
            List<TableEntity> values;
            using (response)
            {
                if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, "Query entities", cancellationToken).ConfigureAwait(false);
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                values = EntityJson.ReadPage(bytes);
                nextPartitionKey = HeaderValue(response, "x-ms-continuation-NextPartitionKey");
                nextRowKey = HeaderValue(response, "x-ms-continuation-NextRowKey");
            }

            yield return new TablePage(values, nextPartitionKey is not null);
        }
        while (nextPartitionKey is not null);
    }

    /// <summary>Every entity matching the query, streamed page by page.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(
        string table,
        string? filter = null,
        IReadOnlyList<string>? select = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in QueryPagesAsync(table, filter, select, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var entity in page.Values) yield return entity;
        }
    }

    /// <summary>
    /// Runs up to 100 operations on one partition atomically (entity-group transaction, $batch).
    /// On failure nothing is written and the <see cref="TableStorageException"/> carries
    /// <see cref="TableStorageException.FailedOperationIndex"/>. Returns the new ETag of each operation (null for deletes).
    /// Limits (≤100 operations, ≤4 MiB, one partition, each row once) are checked before sending.
    /// </summary>
    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ValidateTableName(table);
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > TableTransaction.MaxOperations)
        {
            throw new ArgumentException($"A transaction holds 1 to {TableTransaction.MaxOperations} operations; got {actions.Count}.", nameof(actions));
        }

        var partitionKey = actions[0].Entity.PartitionKey;
        var rowKeys = new HashSet<string>(StringComparer.Ordinal);
        var opIds = new string?[actions.Count];
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (!string.Equals(entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Operation {i} is for partition '{entity.PartitionKey}'; a transaction covers one partition ('{partitionKey}').", nameof(actions));
            }

            if (!rowKeys.Add(entity.RowKey)) throw new ArgumentException($"Operation {i} repeats row '{entity.RowKey}'; a transaction may touch each entity once.", nameof(actions));
            if (actions[i].ActionType != TableTransactionActionType.Delete)
            {
                opIds[i] = NewOperationId();
                entity[TableEntity.OperationIdProperty] = opIds[i];
            }

            EntityJson.Validate(entity);
        }

        var batchBoundary = "batch_" + Guid.NewGuid().ToString("D");
        var body = TableTransaction.BuildBody(_baseUri, table, actions, batchBoundary, "changeset_" + Guid.NewGuid().ToString("D"));
        if (body.Length > TableTransaction.MaxBodyBytes)
        {
            throw new ArgumentException($"The transaction body is {body.Length} bytes; the service allows 4 MiB. Split it.", nameof(actions));
        }

        var (response, attempts) = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"{_baseUri}/$batch") { Content = new ByteArrayContent(body) };
                request.Content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/mixed; boundary={batchBoundary}");
                return request;
            },
            cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.Accepted) throw await ErrorAsync(response, "Entity group transaction", cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var parts = TableTransaction.ParseResponse(text);
            var failed = parts.Select((p, i) => (Part: p, Index: i)).FirstOrDefault(x => x.Part.Status >= 400);
            if (failed.Part is null)
            {
                var etags = new string?[actions.Count];
                for (var i = 0; i < actions.Count; i++)
                {
                    etags[i] = i < parts.Count ? parts[i].ETag : null;
                    actions[i].Entity.ETag = etags[i];
                }

                return etags;
            }

            if (attempts > 1 && failed.Part.Status is 404 or 409 or 412
                && await AllAppliedAsync(table, actions, opIds, cancellationToken).ConfigureAwait(false) is { } applied)
            {
                LogOwnWriteRecognised(_logger, "Entity group transaction", failed.Part.Status);
                return applied;
            }

            var (code, message) = ParseError(failed.Part.Body);
            var index = TableTransaction.FailedIndexFromMessage(message) ?? (parts.Count > 1 ? failed.Index : null);
            throw new TableStorageException(
                failed.Part.Status,
                code,
                $"Entity group transaction failed at operation {index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} with {failed.Part.Status} {code}: {message}. Nothing was written.",
                index);
        }
    }

    public void Dispose() => _http.Dispose();

    internal static void ValidateTableName(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{table}' is not a valid table name: 3-63 letters and digits, starting with a letter.", nameof(table));
        }
    }

    private static string NewOperationId() => Guid.NewGuid().ToString("N");

    private static string RequireIfMatch(TableEntity entity, string? ifMatch) =>
        ifMatch ?? entity.ETag ?? throw new ArgumentException("A conditional write needs the entity's ETag (or '*' for an unconditional one).", nameof(entity));

    private static HttpRequestMessage Request(HttpMethod method, string uri, byte[]? json = null, bool prefer = false)
    {
        var request = new HttpRequestMessage(method, uri);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (prefer) request.Headers.TryAddWithoutValidation("Prefer", "return-no-content");
        return request;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static (string? Code, string? Message) ParseError(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return (null, null);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("odata.error", out var error))
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : null;
                return (code, message);
            }
        }
        catch (JsonException)
        {
        }

        return (null, body.Length > 300 ? body[..300] : body);
    }

    private static async Task<TableStorageException> ErrorAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var (code, message) = ParseError(body);
        code ??= HeaderValue(response, "x-ms-error-code");
        var status = (int)response.StatusCode;
        return new TableStorageException(status, code, $"{operation} failed with {status} {code}: {message}".TrimEnd(' ', ':'));
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline(TableStorageClientOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetries > 0)
        {
            var maxDelay = options.MaxRetryDelay;
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = maxDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),

                // Retry-After (seconds or a date) from a throttling/unavailable answer wins over the backoff.
                DelayGenerator = args =>
                {
                    var retryAfter = args.Outcome.Result?.Headers.RetryAfter;
                    TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - _timeProvider.GetUtcNow() : null);
                    if (delay is { } d) delay = d < TimeSpan.Zero ? TimeSpan.Zero : d > maxDelay ? maxDelay : d;
                    return ValueTask.FromResult(delay);
                },
                OnRetry = args =>
                {
                    LogRetry(_logger, args.AttemptNumber + 1, args.Outcome.Result is { } r ? (int)r.StatusCode : 0, args.Outcome.Exception?.GetType().Name, args.RetryDelay);
                    return default;
                },
            });
        }

        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    private async Task<(HttpResponseMessage Response, int Attempts)> SendAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            var response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    using var request = createRequest();
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            return (response, attempts);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            // Retries exhausted without an answer: one exception type for callers, status 0 like Azure.RequestFailedException.
            throw new TableStorageException(0, ex is TimeoutRejectedException ? "Timeout" : "TransportError", $"Table Storage did not answer after {attempts} attempt(s): {ex.Message}", ex);
        }
    }

    private async Task<string> WriteAsync(string table, TableEntity entity, HttpMethod method, string? ifMatch, string operation, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        ArgumentNullException.ThrowIfNull(entity);
        var opId = NewOperationId();
        entity[TableEntity.OperationIdProperty] = opId;
        EntityJson.Validate(entity);
        var body = EntityJson.Serialize(entity);
        var isInsert = method == HttpMethod.Post;
        var uri = isInsert ? $"{_baseUri}/{table}" : TableTransaction.EntityUri(_baseUri, table, entity.PartitionKey, entity.RowKey);
        var (response, attempts) = await SendAsync(
            () =>
            {
                var request = Request(method, uri, body, prefer: isInsert);
                if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                return request;
            },
            cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                entity.ETag = HeaderValue(response, "ETag");
                return entity.ETag ?? string.Empty;
            }

            // Our first attempt may have been applied and only its answer lost: the retry then meets
            // our own write (409 for an insert, 412 for a conditional write). Read back and compare the op id.
            var status = response.StatusCode;
            if (attempts > 1 && ((isInsert && status == HttpStatusCode.Conflict) || status == HttpStatusCode.PreconditionFailed))
            {
                var stored = await GetEntityAsync(table, entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
                if (stored?[TableEntity.OperationIdProperty] is string storedOpId && storedOpId == opId)
                {
                    LogOwnWriteRecognised(_logger, operation, (int)status);
                    entity.ETag = stored.ETag;
                    entity.Timestamp = stored.Timestamp;
                    return stored.ETag ?? string.Empty;
                }
            }

            throw await ErrorAsync(response, operation, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<string?>?> AllAppliedAsync(string table, IReadOnlyList<TableTransactionAction> actions, string?[] opIds, CancellationToken cancellationToken)
    {
        var etags = new string?[actions.Count];
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            var stored = await GetEntityAsync(table, entity.PartitionKey, entity.RowKey, cancellationToken).ConfigureAwait(false);
            if (opIds[i] is null)
            {
                if (stored is not null) return null;
                continue;
            }

            if (stored?[TableEntity.OperationIdProperty] is not string storedOpId || storedOpId != opIds[i]) return null;
            etags[i] = stored.ETag;
        }

        for (var i = 0; i < actions.Count; i++) actions[i].Entity.ETag = etags[i];
        return etags;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Table Storage attempt {Attempt} after status {Status} {Exception}; waiting {Delay}")]
    private static partial void LogRetry(ILogger logger, int attempt, int status, string? exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation}: retry met its own earlier write ({Status}); reported as success")]
    private static partial void LogOwnWriteRecognised(ILogger logger, string operation, int status);
}
