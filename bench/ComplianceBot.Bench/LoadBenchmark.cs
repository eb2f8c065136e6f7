using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ComplianceBot.Testing;

namespace ComplianceBot.Bench;

/// <summary>
/// 200 concurrent clients against one instance (the real app as its own process, on Azurite) for a
/// bounded time, mixing record imports and reads. Prints latency percentiles and checks that no request
/// got a 5xx and that every imported row is stored exactly once.
/// </summary>
internal static class LoadBenchmark
{
    private const string HrKey = "load-hr-key-0123456789abcdef0123456789ab";
    private static readonly string[] Codes = ["BLS", "HIPAA", "OSHA_BBP", "OSHA_HAZCOM", "CMA", "ACLS", "PALS", "CPT"];

    public static async Task<int> RunAsync(string[] args)
    {
        var clients = BenchArgs.Option(args, "--clients", 200);
        var seconds = BenchArgs.Option(args, "--seconds", 60);
        using var azurite = new AzuriteFixture();
        using var app = await AppProcess.StartAsync(AppProcess.AppPath("ComplianceBot.LocalHost"), new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString,
            ["Storage__TablePrefix"] = "benchload",
            ["Email__FromAddress"] = "compliance@bench.example",
            ["LocalHost__RunTimers"] = "false",
            ["Auth__ApiKeys__0__Name"] = "load",
            ["Auth__ApiKeys__0__Key"] = HrKey,
            ["Auth__ApiKeys__0__Role"] = "HR",
        });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
        using var http = new HttpClient(handler) { BaseAddress = app.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", HrKey);

        // One clinic per 20 clients, one person per client.
        var clinics = (clients + 19) / 20;
        for (var c = 0; c < clinics; c++)
        {
            using var put = await http.PutAsync(new Uri($"/api/clinics/load-{c:D2}", UriKind.Relative), new StringContent($$"""{"name":"Load {{c}}","timeZone":"America/Denver","state":"CO","managerEmails":["m{{c}}@bench.example"],"sendHour":8}""", Encoding.UTF8, "application/json"));
            put.EnsureSuccessStatusCode();
        }

        var roster = new StringBuilder("employee_id,first_name,last_name,email,clinic_id,role\n");
        for (var i = 0; i < clients; i++) roster.Append(CultureInfo.InvariantCulture, $"L{i:D4},Pat,Lee,l{i}@bench.example,load-{i / 20:D2},medical_assistant\n");
        using (var imported = await http.PostAsync(new Uri("/api/staff/import", UriKind.Relative), new StringContent(roster.ToString(), Encoding.UTF8, "text/csv")))
        {
            imported.EnsureSuccessStatusCode();
        }

        Console.WriteLine($"load benchmark: {clients} concurrent clients for {seconds} s against one instance; {Environment.ProcessorCount} cores");
        var latencies = new ConcurrentBag<double>();
        var serverErrors = 0;
        var otherErrors = 0;
        var written = new ConcurrentDictionary<string, byte>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var employee = $"L{client:D4}";
                var code = Codes[n % Codes.Length];
                using var request = (n % 4) switch
                {
                    0 => new HttpRequestMessage(HttpMethod.Post, new Uri("/api/records/import", UriKind.Relative))
                    {
                        Content = new StringContent($"employee_id,credential,issued_on\n{employee},{code},2026-0{1 + (n % 9)}-0{1 + (n % 9)}\n", Encoding.UTF8, "text/csv"),
                    },
                    1 => new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/staff/{employee}", UriKind.Relative)),
                    2 => new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/clinics/load-{client / 20:D2}/compliance", UriKind.Relative)),
                    _ => new HttpRequestMessage(HttpMethod.Get, new Uri("/api/clinics", UriKind.Relative)),
                };
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if ((int)response.StatusCode >= 500) Interlocked.Increment(ref serverErrors);
                    else if (!response.IsSuccessStatusCode) Interlocked.Increment(ref otherErrors);
                    else if (n % 4 == 0) written.TryAdd($"{employee}|{code}", 0);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref otherErrors);
                }

                n++;
            }
        }));
        clock.Stop();

        // Every (employee, credential) imported is stored exactly once.
        var stored = 0;
        for (var c = 0; c < clinics; c++)
        {
            using var report = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/api/clinics/load-{c:D2}/compliance", UriKind.Relative)));
            foreach (var person in report.RootElement.GetProperty("staff").EnumerateArray())
            {
                stored += person.GetProperty("requirements").EnumerateArray().Count(r => r.GetProperty("issuedOn").ValueKind == JsonValueKind.String);
            }
        }

        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine($"requests: {sorted.Length:N0} in {clock.Elapsed.TotalSeconds:F0} s ({sorted.Length / clock.Elapsed.TotalSeconds:F0}/s); 5xx: {serverErrors}; other failures: {otherErrors}");
        Console.WriteLine($"latency ms: p50 {P(0.50):F0}, p95 {P(0.95):F0}, p99 {P(0.99):F0}, max {(sorted.Length == 0 ? 0 : sorted[^1]):F0}");
        Console.WriteLine($"distinct records imported: {written.Count:N0}; stored: {stored:N0} ({(stored == written.Count ? "none lost, none duplicated" : "MISMATCH")})");
        Console.WriteLine($"app peak memory {app.PeakMemoryMiB} MiB");
        return serverErrors == 0 && stored == written.Count ? 0 : 1;
    }
}
