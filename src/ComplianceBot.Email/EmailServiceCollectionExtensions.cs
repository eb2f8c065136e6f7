using ComplianceBot.Domain.Model;
using System.Security.Cryptography;
using ComplianceBot.Application.Ports;
using ComplianceBot.Email.Outbox;
using ComplianceBot.Email.SendGrid;
using ComplianceBot.Email.Webhook;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ISendGridClient = SendGrid.ISendGridClient;
using SdkClient = SendGrid.SendGridClient;
using SdkClientOptions = SendGrid.SendGridClientOptions;

namespace ComplianceBot.Email;

/// <summary>Which sender this process uses, decided once at start-up.</summary>
public enum EmailTransport
{
    /// <summary><c>SendGrid:ApiKey</c> is set: real email through SendGrid.</summary>
    SendGrid,

    /// <summary>No key: <c>.eml</c> files in <see cref="EmailOptions.OutboxPath"/>.</summary>
    Outbox,
}

/// <summary>The start-up choice of sender, for logs and health checks.</summary>
public sealed record EmailTransportChoice(EmailTransport Transport);

/// <summary>The email layer's single DI entry point.</summary>
public static class EmailServiceCollectionExtensions
{
    /// <summary>Name of the <see cref="HttpClient"/> the SendGrid SDK sends with.</summary>
    public const string SendGridHttpClientName = "SendGrid";

    /// <summary>
    /// Registers <see cref="IEmailSender"/> (SendGrid when <c>SendGrid:ApiKey</c> is set, the outbox
    /// otherwise), <see cref="IEmailComposer"/>, <see cref="SendGridEventWebhook"/> and the options
    /// of the <c>SendGrid</c> and <c>Email</c> sections, validated when the host starts. In SendGrid
    /// mode also the SDK's <see cref="ISendGridClient"/>, on the named <see cref="HttpClient"/>
    /// <see cref="SendGridHttpClientName"/>.
    /// </summary>
    public static IServiceCollection AddEmailServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);

        var sendGridSection = configuration.GetSection(SendGridOptions.SectionName);
        services.AddOptions<SendGridOptions>().Bind(sendGridSection).ValidateOnStart();
        services.AddOptions<SendGridWebhookOptions>().Bind(sendGridSection).ValidateOnStart();
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SendGridOptions>, SendGridOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SendGridWebhookOptions>, SendGridWebhookOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());

        // Decided once, here: a key in configuration means SendGrid for the life of the process.
        var transport = string.IsNullOrWhiteSpace(sendGridSection[nameof(SendGridOptions.ApiKey)])
            ? EmailTransport.Outbox
            : EmailTransport.SendGrid;
        services.TryAddSingleton(new EmailTransportChoice(transport));

        if (transport == EmailTransport.SendGrid)
        {
            AddSendGrid(services);
        }
        else
        {
            services.TryAddSingleton<OutboxEmailSender>();
            services.TryAddSingleton<IEmailSender>(sp => sp.GetRequiredService<OutboxEmailSender>());
        }

        services.TryAddSingleton<EmailComposer>();
        services.TryAddSingleton<IEmailComposer>(sp => sp.GetRequiredService<EmailComposer>());
        services.TryAddSingleton<IRenewalNoticeComposer>(sp => sp.GetRequiredService<EmailComposer>());
        services.TryAddSingleton<SendGridEventWebhook>();
        services.AddHostedService<EmailTransportStartupLog>();
        return services;
    }

    private static void AddSendGrid(IServiceCollection services)
    {
        // No resilience handler on purpose: a retried POST can deliver one reminder twice, and the
        // ledger decides what is sent again (ADR 0003). The timeout is the sender's (SendGrid:RequestTimeout),
        // so it can tell a timeout from a cancellation; HttpClient's own would only race it.
        services.AddHttpClient(SendGridHttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            // The client lives as long as the sender (a singleton); pooled connections are recycled
            // instead of handlers, so DNS changes are still seen.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(["Authorization"]);

        // Given its own HttpClient, the SDK adds no RetryDelegatingHandler (ReliabilitySettings are ignored),
        // and with HttpErrorAsException off every answer comes back as a Response with its headers.
        services.TryAddSingleton<ISendGridClient>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SendGridOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(SendGridHttpClientName);
            return new SdkClient(http, new SdkClientOptions
            {
                ApiKey = options.ApiKey,
                Host = options.BaseUrl.AbsoluteUri,
                HttpErrorAsException = false,
            });
        });
        services.TryAddSingleton<IEmailSender, SendGridEmailSender>();
    }
}

/// <summary>Logs the sender choice when the host starts. Never logs the key.</summary>
internal sealed partial class EmailTransportStartupLog(
    EmailTransportChoice choice,
    IOptions<SendGridOptions> sendGrid,
    IOptions<EmailOptions> email,
    IOptions<SendGridWebhookOptions> webhook,
    ILogger<EmailTransportStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (choice.Transport == EmailTransport.SendGrid)
        {
            LogSendGrid(logger, sendGrid.Value.BaseUrl, sendGrid.Value.SandboxMode, sendGrid.Value.MaxConcurrency);
        }
        else
        {
            LogOutbox(logger, email.Value.OutboxPath);
        }

        if (string.IsNullOrWhiteSpace(webhook.Value.WebhookPublicKey)) LogNoWebhookKey(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Email goes out through SendGrid at {BaseUrl} (sandbox mode: {SandboxMode}, max concurrency: {MaxConcurrency})")]
    private static partial void LogSendGrid(ILogger logger, Uri baseUrl, bool sandboxMode, int maxConcurrency);

    [LoggerMessage(Level = LogLevel.Information, Message = "No SendGrid:ApiKey configured: email is written as .eml files to the outbox {OutboxPath}")]
    private static partial void LogOutbox(ILogger logger, string outboxPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No SendGrid:WebhookPublicKey configured: event webhook requests will be refused")]
    private static partial void LogNoWebhookKey(ILogger logger);
}

internal sealed class SendGridOptionsValidator : IValidateOptions<SendGridOptions>
{
    public ValidateOptionsResult Validate(string? name, SendGridOptions options)
    {
        var failures = new List<string>();
        if (options.BaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            failures.Add("SendGrid:BaseUrl (SendGrid__BaseUrl) must be an absolute http(s) URL, e.g. https://api.sendgrid.com.");
        if (options.MaxConcurrency is < 1 or > 100)
            failures.Add("SendGrid:MaxConcurrency (SendGrid__MaxConcurrency) must be between 1 and 100.");
        if (options.MaxRateLimitWait < TimeSpan.Zero)
            failures.Add("SendGrid:MaxRateLimitWait (SendGrid__MaxRateLimitWait) must not be negative.");
        if (options.RequestTimeout <= TimeSpan.Zero)
            failures.Add("SendGrid:RequestTimeout (SendGrid__RequestTimeout) must be positive.");

        // An unresolved Key Vault reference arrives as its own text; sending with it would fail every message.
        if (options.ApiKey?.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase) == true)
            failures.Add("SendGrid:ApiKey (SendGrid__ApiKey) is an unresolved Key Vault reference: grant the app's identity 'Key Vault Secrets User' and restart it.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class SendGridWebhookOptionsValidator : IValidateOptions<SendGridWebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, SendGridWebhookOptions options)
    {
        if (options.WebhookTimestampTolerance <= TimeSpan.Zero)
            return ValidateOptionsResult.Fail("SendGrid:WebhookTimestampTolerance must be positive.");
        try
        {
            SendGridEventWebhook.ParsePublicKey(options.WebhookPublicKey);
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return ValidateOptionsResult.Fail("SendGrid:WebhookPublicKey (SendGrid__WebhookPublicKey) must be the base64 DER public key of an ECDSA P-256 key, without PEM armour.");
        }
    }
}

internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.FromAddress))
            failures.Add("Email:FromAddress (Email__FromAddress) is required.");
        else if (!PlainEmailAddress.IsValid(options.FromAddress))
            failures.Add("Email:FromAddress (Email__FromAddress) must be a plain ASCII address such as reminders@example.org.");
        if (string.IsNullOrWhiteSpace(options.OutboxPath))
            failures.Add("Email:OutboxPath (Email__OutboxPath) must not be empty.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
