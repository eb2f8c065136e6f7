using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;

namespace ComplianceBot.Storage.Client;

/// <summary>
/// Headers every Table request needs: x-ms-version, x-ms-date, and Accept (without it the service
/// answers in Atom and Azurite fails with AtomFormatNotSupported). See
/// https://learn.microsoft.com/rest/api/storageservices/payload-format-for-table-service-operations.
/// </summary>
internal sealed class TableHeadersHandler(TimeProvider timeProvider) : DelegatingHandler
{
    public const string ApiVersion = "2020-12-06";

    public const string AcceptMinimalMetadata = "application/json;odata=minimalmetadata";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers;
        headers.Remove("x-ms-date");
        headers.TryAddWithoutValidation("x-ms-date", timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture));
        if (!headers.Contains("x-ms-version")) headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
        if (headers.Accept.Count == 0) headers.TryAddWithoutValidation("Accept", AcceptMinimalMetadata);
        if (!headers.Contains("DataServiceVersion")) headers.TryAddWithoutValidation("DataServiceVersion", "3.0");
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// SharedKeyLite for the Table service:
/// https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key#shared-key-lite-and-table-service-format-for-2009-09-19-and-later
/// StringToSign = x-ms-date + "\n" + CanonicalizedResource, where CanonicalizedResource is
/// "/" + account + the request path as encoded on the wire (+ "?comp=..." when present).
/// Mirrors TableSharedKeyPipelinePolicy in Azure.Data.Tables.
/// </summary>
internal sealed class SharedKeyLiteHandler(string accountName, byte[] accountKey) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var date = request.Headers.TryGetValues("x-ms-date", out var values) ? values.First() : string.Empty;
        var signature = Sign(accountName, accountKey, BuildStringToSign(accountName, date, request.RequestUri!));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKeyLite", $"{accountName}:{signature}");
        return base.SendAsync(request, cancellationToken);
    }

    internal static string BuildStringToSign(string accountName, string xmsDate, Uri uri)
    {
        var sb = new StringBuilder(xmsDate.Length + accountName.Length + 64);
        sb.Append(xmsDate).Append('\n').Append('/').Append(accountName).Append(uri.AbsolutePath);
        var query = uri.Query;
        if (query.Length > 1)
        {
            foreach (var pair in query[1..].Split('&'))
            {
                if (pair.StartsWith("comp=", StringComparison.OrdinalIgnoreCase))
                {
                    sb.Append("?comp=").Append(pair["comp=".Length..]);
                    break;
                }
            }
        }

        return sb.ToString();
    }

    internal static string Sign(string accountName, byte[] key, string stringToSign)
    {
        _ = accountName;
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }
}

/// <summary>
/// Entra ID bearer tokens (scope https://storage.azure.com/.default), e.g. from DefaultAzureCredential
/// with a managed identity: https://learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory.
/// Tokens are cached until five minutes before they expire.
/// </summary>
internal sealed class BearerTokenHandler(TokenCredential credential, TimeProvider timeProvider) : DelegatingHandler
{
    private static readonly TokenRequestContext Context = new(["https://storage.azure.com/.default"]);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AccessToken _token;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gate.Dispose();
        base.Dispose(disposing);
    }

    private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token.Token is not null && _token.ExpiresOn > timeProvider.GetUtcNow().AddMinutes(5)) return _token.Token;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token.Token is null || _token.ExpiresOn <= timeProvider.GetUtcNow().AddMinutes(5))
            {
                _token = await credential.GetTokenAsync(Context, cancellationToken).ConfigureAwait(false);
            }

            return _token.Token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
