namespace ComplianceBot.Email.SendGrid;

/// <summary>
/// How ComplianceBot sends through SendGrid, bound from the <c>SendGrid</c> configuration section
/// (environment variables <c>SendGrid__ApiKey</c>, <c>SendGrid__BaseUrl</c>, ...). The SDK's own
/// <c>SendGrid.SendGridClientOptions</c> is built from these.
/// </summary>
public sealed class SendGridOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "SendGrid";

    /// <summary>
    /// API key with the Mail Send permission (<c>SendGrid:ApiKey</c>). When empty, ComplianceBot writes
    /// emails to the local outbox instead of sending them. Never logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Base URL of the API (<c>SendGrid:BaseUrl</c>), default <c>https://api.sendgrid.com</c>;
    /// <c>https://api.eu.sendgrid.com</c> for EU data residency, a loopback URL in tests.
    /// Requests go to <c>{BaseUrl}/v3/mail/send</c>.
    /// </summary>
    public Uri BaseUrl { get; set; } = new("https://api.sendgrid.com");

    /// <summary>
    /// Sandbox mode (<c>SendGrid:SandboxMode</c>): SendGrid validates each message and answers 200
    /// without sending it. For dry runs against the real service.
    /// </summary>
    public bool SandboxMode { get; set; }

    /// <summary>Most requests in flight at once (<c>SendGrid:MaxConcurrency</c>), default 8.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// Longest total wait for a rate-limit reset (<c>SendGrid:MaxRateLimitWait</c>), default 30 seconds.
    /// A 429 whose reset lies further away is reported as not sent.
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one POST may take (<c>SendGrid:RequestTimeout</c>), default 30 seconds. A timeout is
    /// reported as outcome unknown: the message may have been accepted.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
