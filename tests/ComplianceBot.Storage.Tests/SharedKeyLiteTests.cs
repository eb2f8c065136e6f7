using System.Net;
using System.Text;
using ComplianceBot.Storage.Client;

namespace ComplianceBot.Storage.Tests;

public sealed class SharedKeyLiteTests
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    // Vectors computed outside .NET, from the spec's recipe (StringToSign = x-ms-date + "\n" + "/" + account + path):
    //   printf "Sun, 22 Nov 2026 09:00:00 GMT\n/devstoreaccount1/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')" \
    //     | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(echo -n $KEY | base64 -d | xxd -p -c 256) -binary | base64
    [Theory]
    [InlineData("http://127.0.0.1:10002/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')", "devstoreaccount1",
        "Sun, 22 Nov 2026 09:00:00 GMT\n/devstoreaccount1/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')",
        "QoJtAM/mcbHkaUp2iLg6/CnlgY89grYwWuKLxRnv9i8=")]
    [InlineData("https://myaccount.table.core.windows.net/$batch", "myaccount",
        "Sun, 22 Nov 2026 09:00:00 GMT\n/myaccount/$batch",
        "kqP1xEVH6A95Dxl3CGkftoNdmGviK2MqaQmRngAMCr4=")]
    public void SignatureMatchesKnownVectorWhenSigningSpecExample(string uri, string account, string expectedStringToSign, string expectedSignature)
    {
        var stringToSign = SharedKeyLiteHandler.BuildStringToSign(account, "Sun, 22 Nov 2026 09:00:00 GMT", new Uri(uri));

        Assert.Equal(expectedStringToSign, stringToSign);
        Assert.Equal(expectedSignature, SharedKeyLiteHandler.Sign(account, Convert.FromBase64String(Key), stringToSign));
    }

    [Fact]
    public void QueryStringIsLeftOutExceptCompWhenBuildingCanonicalizedResource()
    {
        var date = "Sun, 22 Nov 2026 09:00:00 GMT";
        Assert.Equal(date + "\n/acct/t()", SharedKeyLiteHandler.BuildStringToSign("acct", date, new Uri("https://acct.table.core.windows.net/t()?$filter=PartitionKey%20eq%20'a'&NextPartitionKey=x")));
        Assert.Equal(date + "\n/acct/?comp=properties", SharedKeyLiteHandler.BuildStringToSign("acct", date, new Uri("https://acct.table.core.windows.net/?restype=service&comp=properties")));
    }

    [Fact]
    public void PercentEncodedKeysAreSignedAsSentWhenPathIsEscaped()
    {
        var uri = new Uri(TableTransaction.EntityUri("http://127.0.0.1:10002/devstoreaccount1", "t", "O'Brien", "a b"));
        var stringToSign = SharedKeyLiteHandler.BuildStringToSign("devstoreaccount1", "d", uri);
        Assert.Equal("d\n/devstoreaccount1/devstoreaccount1/t(PartitionKey='O%27%27Brien',RowKey='a%20b')", stringToSign);
    }

    [Fact]
    public async Task RequestCarriesAuthorizationAcceptAndVersionWhenSentThroughHandlers()
    {
        var capture = new CaptureHandler();
        var options = new TableStorageClientOptions { ConnectionString = "UseDevelopmentStorage=true", MaxRetries = 0 };
        using var client = new TableStorageClient(options, transport: capture);

        _ = await client.GetEntityAsync("mytable", "p", "r");

        var request = capture.Last!;
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')", request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/json;odata=minimalmetadata", request.Headers.NonValidated["Accept"].ToString());
        Assert.Equal("2020-12-06", request.Headers.GetValues("x-ms-version").Single());
        var date = request.Headers.GetValues("x-ms-date").Single();
        var expected = SharedKeyLiteHandler.Sign("devstoreaccount1", Convert.FromBase64String(Key), $"{date}\n/devstoreaccount1/devstoreaccount1/mytable(PartitionKey='p',RowKey='r')");
        Assert.Equal($"SharedKeyLite devstoreaccount1:{expected}", request.Headers.Authorization!.ToString());
    }

    [Fact]
    public void ConnectionStringWithExplicitTableEndpointIsUsedWhenGiven()
    {
        var connection = StorageConnection.Parse($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};TableEndpoint=http://127.0.0.1:51234/devstoreaccount1;");
        Assert.Equal("http://127.0.0.1:51234/devstoreaccount1", connection.TableEndpoint.AbsoluteUri.TrimEnd('/'));
        Assert.DoesNotContain(Key, connection.ToString(), StringComparison.Ordinal);

        var cloud = StorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=prod;AccountKey={Key};EndpointSuffix=core.windows.net");
        Assert.Equal("https://prod.table.core.windows.net/", cloud.TableEndpoint.AbsoluteUri);
    }

    private sealed class CaptureHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("", Encoding.UTF8) });
        }
    }
}

public sealed class BearerTokenTests
{
    [Fact]
    public async Task BearerTokenIsSentAndCachedWhenOnlyAccountNameIsConfigured()
    {
        var credential = new CountingCredential();
        var capture = new RecordingHandler();
        var options = new TableStorageClientOptions { AccountName = "prodacct", MaxRetries = 0 };
        using var client = new TableStorageClient(options, transport: capture, credential: credential);

        await client.GetEntityAsync("mytable", "p", "r");
        await client.GetEntityAsync("mytable", "p", "r2");

        Assert.Equal(1, credential.Calls);
        Assert.Equal(["https://storage.azure.com/.default"], credential.LastScopes);
        Assert.All(capture.Requests, r => Assert.Equal("Bearer token-1", r.Headers.Authorization!.ToString()));
        Assert.StartsWith("https://prodacct.table.core.windows.net/mytable(", capture.Requests[0].RequestUri!.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransportFailureSurfacesAsTableStorageExceptionWhenRetriesRunOut()
    {
        var handler = new RecordingHandler { Throw = true };
        var options = new TableStorageClientOptions { ConnectionString = "UseDevelopmentStorage=true", MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(1) };
        using var client = new TableStorageClient(options, transport: handler);

        var ex = await Assert.ThrowsAsync<TableStorageException>(() => client.GetEntityAsync("mytable", "p", "r"));

        Assert.Equal(0, ex.Status);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task RetryAfterIsHonouredWhenServerThrottles()
    {
        var handler = new RecordingHandler { FirstStatus = HttpStatusCode.TooManyRequests, RetryAfter = TimeSpan.FromMilliseconds(300) };
        var options = new TableStorageClientOptions { ConnectionString = "UseDevelopmentStorage=true", MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(1) };
        using var client = new TableStorageClient(options, transport: handler);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.Null(await client.GetEntityAsync("mytable", "p", "r"));

        Assert.Equal(2, handler.Requests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"waited only {clock.Elapsed}");
    }

    private sealed class CountingCredential : Azure.Core.TokenCredential
    {
        public int Calls { get; private set; }

        public string[] LastScopes { get; private set; } = [];

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            LastScopes = requestContext.Scopes;
            return ValueTask.FromResult(new Azure.Core.AccessToken($"token-{Calls}", DateTimeOffset.UtcNow.AddHours(1)));
        }
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        public bool Throw { get; init; }

        public HttpStatusCode? FirstStatus { get; init; }

        public TimeSpan? RetryAfter { get; init; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            if (Throw) throw new HttpRequestException("connection refused");
            var response = new HttpResponseMessage(Requests.Count == 1 && FirstStatus is { } s ? s : HttpStatusCode.NotFound) { Content = new StringContent("") };
            if (RetryAfter is { } delay) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
            return Task.FromResult(response);
        }
    }
}
