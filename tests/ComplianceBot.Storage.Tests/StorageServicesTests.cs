using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Client;
using ComplianceBot.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Storage.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class StorageServicesTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task StartFailsNamingTheSettingWhenNoAccountIsConfigured()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Services.AddStorageServices(builder.Configuration);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Storage__ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Storage__AccountName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPortResolvesAndTablesAreCreatedWhenConfiguredForAzurite()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = azurite.NewTablePrefix("di"),
            ["Storage:MaxRetries"] = "2",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddStorageServices(configuration);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        await provider.EnsureTablesAsync();
        await provider.EnsureTablesAsync();

        Assert.Equal(2, provider.GetRequiredService<IOptions<TableStorageClientOptions>>().Value.MaxRetries);
        Assert.Empty(await provider.GetRequiredService<IClinicStore>().ListAsync());
        Assert.NotNull(provider.GetRequiredService<IStaffStore>());
        Assert.Empty(await provider.GetRequiredService<ICredentialRecordStore>().ListByClinicAsync("c1"));
        Assert.Empty(await provider.GetRequiredService<IRetrainingEventStore>().ListAsync());
        Assert.Empty(await provider.GetRequiredService<IReminderLedger>().ListAsync("c1"));
        Assert.Null(await provider.GetRequiredService<IRunWatermarkStore>().GetAsync("c1", "daily"));
        Assert.Empty(await provider.GetRequiredService<IAuditLog>().ListAsync("c1", DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        Assert.Empty(await provider.GetRequiredService<IDeliveryEventStore>().LatestByAddressAsync(["a@x.test"]));
    }

    [Fact]
    public void AccountNameAloneSelectsBearerAuthWhenNoConnectionString()
    {
        var options = new TableStorageClientOptions { AccountName = "prodacct" };
        using var client = new TableStorageClient(options, credential: new Azure.Identity.EnvironmentCredential());

        Assert.Null(options.Validate());
        Assert.Equal("https://prodacct.table.core.windows.net/", client.Endpoint.AbsoluteUri);
        Assert.Equal("prodacct", client.AccountName);
    }

    [Fact]
    public void ValidationRejectsBadPrefixAndConnectionStringWithoutLeakingKey()
    {
        Assert.Contains("TablePrefix", new TableStorageClientOptions { ConnectionString = "UseDevelopmentStorage=true", TablePrefix = "bad-prefix" }.Validate(), StringComparison.Ordinal);
        var message = new TableStorageClientOptions { ConnectionString = "AccountName=a;AccountKey=not*base64" }.Validate();
        Assert.Contains("Storage__ConnectionString", message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", message, StringComparison.Ordinal);
    }
}
