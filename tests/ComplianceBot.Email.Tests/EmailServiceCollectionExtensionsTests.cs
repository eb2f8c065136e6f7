using ComplianceBot.Application.Ports;
using ComplianceBot.Email.Outbox;
using ComplianceBot.Email.SendGrid;
using ComplianceBot.Email.Webhook;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Tests;

public sealed class EmailServiceCollectionExtensionsTests
{
    [Fact]
    public async Task OutboxSenderWhenNoApiKeyIsConfigured()
    {
        using var host = Build(new() { ["Email:FromAddress"] = "reminders@clinic.test", ["Email:OutboxPath"] = "tmp-outbox" });
        await host.StartAsync();

        Assert.IsType<OutboxEmailSender>(host.Services.GetRequiredService<IEmailSender>());
        Assert.Null(host.Services.GetService<global::SendGrid.ISendGridClient>());
        Assert.Equal(EmailTransport.Outbox, host.Services.GetRequiredService<EmailTransportChoice>().Transport);
        Assert.IsType<EmailComposer>(host.Services.GetRequiredService<IEmailComposer>());
        Assert.NotNull(host.Services.GetRequiredService<SendGridEventWebhook>());
        await host.StopAsync();
    }

    [Fact]
    public async Task SendGridSenderWithBoundOptionsWhenAnApiKeyIsConfigured()
    {
        using var host = Build(new()
        {
            ["Email:FromAddress"] = "reminders@clinic.test",
            ["SendGrid:ApiKey"] = "SG.key",
            ["SendGrid:BaseUrl"] = "https://api.eu.sendgrid.com",
            ["SendGrid:SandboxMode"] = "true",
            ["SendGrid:MaxConcurrency"] = "4",
            ["SendGrid:MaxRateLimitWait"] = "00:00:10",
        });
        await host.StartAsync();

        Assert.IsType<SendGridEmailSender>(host.Services.GetRequiredService<IEmailSender>());
        Assert.IsType<global::SendGrid.SendGridClient>(host.Services.GetRequiredService<global::SendGrid.ISendGridClient>());
        Assert.Equal(EmailTransport.SendGrid, host.Services.GetRequiredService<EmailTransportChoice>().Transport);
        var options = host.Services.GetRequiredService<IOptions<SendGridOptions>>().Value;
        Assert.Equal(new Uri("https://api.eu.sendgrid.com"), options.BaseUrl);
        Assert.True(options.SandboxMode);
        Assert.Equal(4, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(10), options.MaxRateLimitWait);
        await host.StopAsync();
    }

    [Theory]
    [InlineData(null, "Email:FromAddress")]
    [InlineData("not an address", "Email:FromAddress")]
    public async Task StartFailsNamingTheSettingWhenTheFromAddressIsMissingOrInvalid(string? from, string setting)
    {
        using var host = Build(new() { ["Email:FromAddress"] = from });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartFailsWhenTheBaseUrlIsRelative()
    {
        using var host = Build(new() { ["Email:FromAddress"] = "reminders@clinic.test", ["SendGrid:BaseUrl"] = "/relative" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SendGrid:BaseUrl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartFailsWhenTheWebhookKeyIsNotAP256Key()
    {
        using var host = Build(new() { ["Email:FromAddress"] = "reminders@clinic.test", ["SendGrid:WebhookPublicKey"] = "bm90IGEga2V5" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SendGrid:WebhookPublicKey", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddEmailServices(builder.Configuration);
        return builder.Build();
    }
}
