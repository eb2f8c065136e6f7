using ComplianceBot.Storage.Client;
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
    public static TableStorageClientOptions Options(AzuriteFixture azurite, string prefix = "") => new()
    {
        ConnectionString = azurite.ConnectionString,
        TablePrefix = prefix,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetries = 3,
    };

    public static TableStorageClient Create(AzuriteFixture azurite, HttpMessageHandler? transport = null) =>
        new(Options(azurite), transport: transport);
}

/// <summary>
/// Forwards a request to the real server, then replaces the answer: the write is applied but the
/// caller sees a 503 (a response lost on the way back, as in azure-sdk-for-net #39146).
/// </summary>
internal sealed class FaultInjectingHandler : DelegatingHandler
{
    private int _faultsLeft;

    public FaultInjectingHandler(int faults, Func<HttpRequestMessage, bool>? when = null)
    {
        _faultsLeft = faults;
        When = when ?? (r => r.Method != HttpMethod.Get);
        InnerHandler = new SocketsHttpHandler();
    }

    public Func<HttpRequestMessage, bool> When { get; }

    public int Requests { get; private set; }

    public int FaultsInjected { get; private set; }

    public void Arm(int faults) => _faultsLeft = faults;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests++;
        var response = await base.SendAsync(request, cancellationToken);
        if (When(request) && Interlocked.Decrement(ref _faultsLeft) >= 0)
        {
            FaultsInjected++;
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

    public int Count(HttpMethod method) => _counts.GetValueOrDefault(method.Method);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _counts.AddOrUpdate(request.Method.Method, 1, (_, n) => n + 1);
        return base.SendAsync(request, cancellationToken);
    }
}
