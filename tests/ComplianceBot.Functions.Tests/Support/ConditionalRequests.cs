using System.Net.Http.Json;

namespace ComplianceBot.Functions.Tests.Support;

/// <summary>Conditional requests as a client sends them: the ETag of a response, and PUTs with If-Match or If-None-Match.</summary>
public static class ConditionalRequests
{
    /// <summary>The response's ETag header as sent (quotes included); fails when there is none.</summary>
    public static string ETag(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.True(response.Headers.ETag is not null, $"No ETag on {(int)response.StatusCode} {response.RequestMessage?.RequestUri}");
        Assert.False(response.Headers.ETag!.IsWeak);
        return response.Headers.ETag.Tag;
    }

    public static async Task<HttpResponseMessage> PutAsync(HttpClient client, string path, object body, string? ifMatch = null, string? ifNoneMatch = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await client.SendAsync(request);
    }
}
