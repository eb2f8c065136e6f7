using System.Net.Http.Headers;

namespace ComplianceBot.Email.SendGrid;

/// <summary>Adds <c>Authorization: Bearer {API key}</c> to every request (the pipeline's auth step).</summary>
public sealed class SendGridAuthenticationHandler : DelegatingHandler
{
    private readonly AuthenticationHeaderValue _authorization;

    public SendGridAuthenticationHandler(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        _authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = _authorization;
        return base.SendAsync(request, cancellationToken);
    }
}
