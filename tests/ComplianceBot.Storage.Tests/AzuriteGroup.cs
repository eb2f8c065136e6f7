using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;

namespace ComplianceBot.Storage.Tests;

/// <summary>One Azurite process for every integration test class in this assembly.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

internal static class AzuriteClients
{
    public static TableStorageOptions Options(AzuriteFixture azurite, string prefix = "") => new()
    {
        ConnectionString = azurite.ConnectionString,
        TablePrefix = prefix,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetries = 3,
    };

    /// <summary>The service client the app builds, optionally sending through <paramref name="transport"/> (fault injection, counting).</summary>
    public static TableServiceClient Create(AzuriteFixture azurite, HttpMessageHandler? transport = null, TableStorageOptions? options = null) =>
        TableServiceClients.Create(
            options ?? Options(azurite),
            transport is null ? null : new TableClientOptions { Transport = new HttpClientTransport(transport) });

    /// <summary>The app's tables under <paramref name="prefix"/>, reached through <paramref name="transport"/> when given.</summary>
    public static StorageTables Tables(AzuriteFixture azurite, string prefix, HttpMessageHandler? transport = null) =>
        new(Create(azurite, transport), prefix);
}

/// <summary>
/// Fault injection under the SDK (its transport's handler): the next armed requests that match are answered
/// 503 either after Azurite applied them (the answer lost on the way back, as in azure-sdk-for-net #39146)
/// or without reaching Azurite at all.
/// </summary>
internal sealed class FaultInjectingHandler : DelegatingHandler
{
    private int _faultsLeft;
    private int _requests;
    private int _faultsInjected;
    private volatile bool _forward = true;

    public FaultInjectingHandler(int faults, Func<HttpRequestMessage, bool>? when = null)
    {
        _faultsLeft = faults;
        When = when ?? (r => r.Method != HttpMethod.Get);
        InnerHandler = new SocketsHttpHandler();
    }

    public Func<HttpRequestMessage, bool> When { get; }

    public int Requests => Volatile.Read(ref _requests);

    public int FaultsInjected => Volatile.Read(ref _faultsInjected);

    /// <param name="forward">True: Azurite applies the request and its answer is replaced; false: it never arrives.</param>
    public void Arm(int faults, bool forward = true)
    {
        _forward = forward;
        Volatile.Write(ref _faultsLeft, faults);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var fault = When(request) && Interlocked.Decrement(ref _faultsLeft) >= 0;
        if (fault && !_forward)
        {
            Interlocked.Increment(ref _faultsInjected);
            return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (fault)
        {
            Interlocked.Increment(ref _faultsInjected);
            response.Dispose();
            return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
        }

        return response;
    }
}

/// <summary>Forwards every request to the real server and counts them by method.</summary>
internal sealed class RequestCountingHandler : DelegatingHandler
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public RequestCountingHandler() => InnerHandler = new SocketsHttpHandler();

    public int Total => _counts.Values.Sum();

    public int Count(HttpMethod method) => _counts.GetValueOrDefault(method.Method);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _counts.AddOrUpdate(request.Method.Method, 1, (_, n) => n + 1);
        return base.SendAsync(request, cancellationToken);
    }
}
