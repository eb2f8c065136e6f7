using ComplianceBot.Email;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Tests;

public class KeyVaultReferenceTests
{
    [Fact]
    public void StartFailsNamingTheSettingWhenTheSendGridKeyIsAnUnresolvedKeyVaultReference()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = "@Microsoft.KeyVault(VaultName=kv-cb;SecretName=SendGridApiKey)",
            ["Email:FromAddress"] = "compliance@example.org",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddEmailServices(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("SendGrid__ApiKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("VaultName=kv-cb", error.Message, StringComparison.Ordinal);
    }
}
