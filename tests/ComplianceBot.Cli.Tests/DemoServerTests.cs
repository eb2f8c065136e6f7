using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ComplianceBot.Cli.Tests;

public partial class DemoServerTests
{
    [Fact]
    public async Task ServesTheApiWithThePrintedKeysUntilStopped()
    {
        var port = FreePort();
        var outbox = Directory.CreateTempSubdirectory("compliancebot-demo-").FullName;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var output = TextWriter.Synchronized(stdout); // read by the test while the demo writes
        var demo = Task.Run(() => CliApp.RunAsync(["demo", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--outbox", outbox], output, stderr, null, stop.Token));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string? hrKey = null, managerKey = null;
        while (hrKey is null && !demo.IsCompleted)
        {
            await Task.Delay(250);
            string text;
            lock (output)
            {
                text = stdout.ToString();
            }

            hrKey = HrKey().Match(text) is { Success: true } h ? h.Groups[1].Value : null;
            managerKey = ManagerKey().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
        }

        Assert.True(hrKey is not null, $"the demo printed no key: {stdout}{stderr}");
        using (var hr = new HttpRequestMessage(HttpMethod.Get, "/api/clinics/seattle-north/compliance"))
        {
            hr.Headers.Add("X-Api-Key", hrKey);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(hr)).StatusCode);
        }

        using (var manager = new HttpRequestMessage(HttpMethod.Get, "/api/clinics/austin-central/compliance"))
        {
            manager.Headers.Add("X-Api-Key", managerKey);
            Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(manager)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/clinics", UriKind.Relative))).StatusCode);

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await demo);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri("/", UriKind.Relative)));
        Directory.Delete(outbox, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"HR API key:\s+(\S+)")]
    private static partial Regex HrKey();

    [GeneratedRegex(@"Manager API key:\s+(\S+)")]
    private static partial Regex ManagerKey();
}
