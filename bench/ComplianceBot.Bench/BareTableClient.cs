using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Bench;

/// <summary>
/// The raw $batch-over-HTTP baseline: hand-signed SharedKeyLite requests and hand-built multipart bodies, no
/// retries, no typed entities. Benchmark code only: the product talks to Table Storage through Azure.Data.Tables.
/// </summary>
internal sealed class BareTableClient(string endpoint, string account, string key, HttpMessageHandler? handler = null) : IDisposable
{
    private readonly HttpClient _http = handler is null ? new() : new(handler, disposeHandler: false);
    private readonly byte[] _key = Convert.FromBase64String(key);

    public void Dispose() => _http.Dispose();

    public async Task InsertBatchesAsync(string table, string partitionKey, IReadOnlyList<CredentialRecord> records)
    {
        foreach (var chunk in records.Chunk(100))
        {
            var boundary = "batch_" + Guid.NewGuid();
            var changeset = "changeset_" + Guid.NewGuid();
            var sb = new StringBuilder();
            sb.Append("--").Append(boundary).Append("\r\nContent-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n");
            foreach (var r in chunk)
            {
                sb.Append("--").Append(changeset).Append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
                sb.Append("POST ").Append(endpoint).Append('/').Append(table).Append(" HTTP/1.1\r\nAccept: application/json;odata=minimalmetadata\r\nPrefer: return-no-content\r\nContent-Type: application/json\r\n\r\n");
                sb.Append(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["PartitionKey"] = partitionKey,
                    ["RowKey"] = $"{r.EmployeeId}|{r.CredentialCode}",
                    ["IssuedOn"] = r.IssuedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["PrintedExpiresOn"] = r.PrintedExpiresOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["CredentialNumber"] = r.CredentialNumber,
                    ["Source"] = r.Source,
                    ["Verified"] = r.Verified,
                })).Append("\r\n");
            }

            sb.Append("--").Append(changeset).Append("--\r\n--").Append(boundary).Append("--\r\n");
            using var request = Sign(new HttpRequestMessage(HttpMethod.Post, $"{endpoint}/$batch") { Content = new StringContent(sb.ToString(), Encoding.UTF8) });
            request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/mixed; boundary={boundary}");
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != 202 || body.Contains("HTTP/1.1 4", StringComparison.Ordinal)) throw new InvalidOperationException($"raw batch failed: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
        }
    }

    public async Task CreateTableAsync(string table)
    {
        using var request = Sign(new HttpRequestMessage(HttpMethod.Post, $"{endpoint}/Tables")
        {
            Content = new StringContent($"{{\"TableName\":\"{table}\"}}", Encoding.UTF8, "application/json"),
        });
        using var response = await _http.SendAsync(request);
        if (!response.IsSuccessStatusCode && (int)response.StatusCode != 409) throw new InvalidOperationException($"create table {table} failed: {(int)response.StatusCode}");
    }

    private HttpRequestMessage Sign(HttpRequestMessage request)
    {
        var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-version", "2020-12-06");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;odata=minimalmetadata");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{date}\n/{account}{request.RequestUri!.AbsolutePath}")));
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKeyLite {account}:{signature}");
        return request;
    }
}
