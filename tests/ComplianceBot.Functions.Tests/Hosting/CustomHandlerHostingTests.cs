using System.Net;
using System.Net.Sockets;
using ComplianceBot.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComplianceBot.Functions.Tests.Hosting;

/// <summary>Where the app listens and whether it fires its own timers, under the Functions host and without it.</summary>
public sealed class CustomHandlerHostingTests
{
    /// <summary>A builder that sees only the given settings for the keys the hosting code reads (the machine's environment may set some).</summary>
    private static WebApplicationBuilder Builder(string? port, string? standalone = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [CustomHandlerHosting.PortVariable] = port,
            ["urls"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["Timers:Standalone"] = standalone,
        });
        return builder;
    }

    private static bool FiresItsOwnTimers(WebApplicationBuilder builder) =>
        builder.Services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(StandaloneTimerService));

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task ListensOnTheHostsPortOnLoopbackWhenThePortVariableIsSet()
    {
        var port = FreeLoopbackPort();
        var builder = Builder(port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        builder.UseCustomHandlerHosting();
        await using var app = builder.Build();
        app.MapGet("/", () => "custom handler");
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("custom handler", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
        }
        finally
        {
            await app.StopAsync();
        }

        Assert.False(FiresItsOwnTimers(builder));
    }

    [Fact]
    public void ListensOnTheStandaloneUrlAndFiresItsOwnTimersWhenNoPortIsSet()
    {
        var builder = Builder(port: null);

        builder.UseCustomHandlerHosting();

        Assert.Equal(CustomHandlerHosting.StandaloneUrl, builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
        Assert.True(FiresItsOwnTimers(builder));
    }

    [Theory]
    [InlineData("7777", "true", true)]
    [InlineData(null, "false", false)]
    [InlineData(null, "true", true)]
    [InlineData("7777", "false", false)]
    public void FiresItsOwnTimersAsTimersStandaloneSaysWhenItIsSet(string? port, string standalone, bool expected)
    {
        var builder = Builder(port, standalone);

        builder.UseCustomHandlerHosting();

        Assert.Equal(expected, FiresItsOwnTimers(builder));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-80")]
    [InlineData("80 ")]
    public void RefusesToStartNamingTheVariableWhenThePortIsNotAPortNumber(string port)
    {
        var builder = Builder(port);

        var error = Assert.Throws<InvalidOperationException>(() => builder.UseCustomHandlerHosting());

        Assert.Contains(CustomHandlerHosting.PortVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{port}'", error.Message, StringComparison.Ordinal);
    }
}
