using ComplianceBot.Testing;

namespace ComplianceBot.Bench;

/// <summary>
/// Start-up to the first answer on GET /, the ComplianceBot local host vs a bare ASP.NET Core app, both
/// published self-contained with ReadyToRun, alternating, medians of N rounds. Target: ratio ≤ 1.3. (The
/// isolated worker's cold start under the Functions host cannot be measured here: the host cannot run.)
/// </summary>
internal static class StartupBenchmark
{
    private const string HrKey = "bench-hr-key-0123456789abcdef0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = BenchArgs.Option(args, "--rounds", 7);
        using var azurite = new AzuriteFixture();
        // Both apps published self-contained for linux-x64 with ReadyToRun, each started as an executable in its own folder.
        Console.WriteLine("publishing both apps (self-contained linux-x64, ReadyToRun) ...");
        var app = await AppProcess.PublishAsync("src/ComplianceBot.LocalHost/ComplianceBot.LocalHost.csproj", "startup-app");
        var bare = await AppProcess.PublishAsync("bench/ComplianceBot.BareServer/ComplianceBot.BareServer.csproj", "startup-bare");
        var environment = new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString,
            ["Storage__TablePrefix"] = "benchstart",
            ["Email__FromAddress"] = "compliance@bench.example",
            ["Email__OutboxPath"] = Path.Combine(Path.GetTempPath(), "compliancebot-bench-outbox"),
            ["LocalHost__RunTimers"] = "false",
            ["Auth__ApiKeys__0__Name"] = "bench",
            ["Auth__ApiKeys__0__Key"] = HrKey,
            ["Auth__ApiKeys__0__Role"] = "HR",
        };

        // Warm-up: disk cache, Azurite tables.
        using (await AppProcess.StartAsync(app, environment)) { }
        using (await AppProcess.StartAsync(bare, environment)) { }

        var ours = new List<double>();
        var oursFirstCall = new List<double>();
        var baseline = new List<double>();
        using var http = new HttpClient();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var first in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                using var started = await AppProcess.StartAsync(first ? app : bare, environment);
                (first ? ours : baseline).Add(started.Startup.TotalMilliseconds);
                if (!first) continue;

                // For the record: the first real call after the probe (it checks the tables and builds the routes).
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(started.BaseUrl, "/api/catalog"));
                request.Headers.Add("X-Api-Key", HrKey);
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                oursFirstCall.Add(started.SinceStart.TotalMilliseconds);
            }
        }

        var a = Median(ours);
        var b = Median(baseline);
        Console.WriteLine($"start-up to first GET / answer, median of {rounds}: ComplianceBot {a:F0} ms, bare ASP.NET Core {b:F0} ms, ratio {a / b:F2} (target <= 1.3)");
        Console.WriteLine($"ComplianceBot start to its first GET /api/catalog answer right after the probe: {Median(oursFirstCall):F0} ms (median; no baseline)");
        return 0;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
