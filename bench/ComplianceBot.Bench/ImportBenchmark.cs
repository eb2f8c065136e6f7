using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Net;
using System.Text.Json;
using ComplianceBot.Domain.Import;
using ComplianceBot.Domain.Model;
using ComplianceBot.Testing;

namespace ComplianceBot.Bench;

/// <summary>
/// A training-records CSV imported through the HTTP endpoint (the real app, as its own process, on
/// Azurite) vs the raw floor: hand-built $batch inserts of the same rows, as many partitions at once as
/// the import writes. Target: ratio ≤ 1.3 for 10,000 rows. Also prints the app's peak memory for
/// 10,000 and 100,000 rows, which should stay flat (the body is streamed and written in chunks).
/// </summary>
internal static class ImportBenchmark
{
    private const string HrKey = "bench-hr-key-0123456789abcdef0123456789";
    private const int WarmPeople = 400;
    private const int WarmClinics = 20;
    private static readonly string[] Codes = ["BLS", "HIPAA", "OSHA_BBP", "OSHA_HAZCOM", "CMA"];

    public static async Task<int> RunAsync(string[] args)
    {
        var small = BenchArgs.Option(args, "--rows", 10_000);
        var large = BenchArgs.Option(args, "--large-rows", 100_000);
        const int clinicCount = 200;
        using var azurite = new AzuriteFixture();
        using var bare = new BareTableClient(azurite.TableEndpoint, AzuriteFixture.AccountName, AzuriteFixture.AccountKey);
        Console.WriteLine($"import benchmark: {small:N0} and {large:N0} record rows over {clinicCount} clinics; {Environment.ProcessorCount} cores");

        // The small file in several rounds, raw and ours taking turns to go first (a run of 10,000 rows is a
        // second or two, and Azurite's speed drifts as it fills); the large file once. Each round has fresh tables.
        var smallRounds = BenchArgs.Option(args, "--rounds", 5);
        var results = new List<(int Rows, double Ours, double Raw, long PeakMiB)>();
        foreach (var (rows, round) in Enumerable.Repeat(small, smallRounds).Append(large).Select((r, i) => (r, i)))
        {
            var prefix = $"benchimp{rows}r{round}";
            var rawFirst = round % 2 == 0;
            using var app = await AppProcess.StartAsync(AppProcess.AppPath("ComplianceBot.Functions"), new Dictionary<string, string>
            {
                ["Storage__ConnectionString"] = azurite.ConnectionString,
                ["Storage__TablePrefix"] = prefix,
                ["Email__FromAddress"] = "compliance@bench.example",
                ["Timers__Standalone"] = "false",
                ["Import__MaxBodyBytes"] = (rows == small ? 10 * 1024 * 1024 : 100 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
                ["Auth__ApiKeys__0__Name"] = "bench",
                ["Auth__ApiKeys__0__Key"] = HrKey,
                ["Auth__ApiKeys__0__Role"] = "HR",
            });
            using var http = new HttpClient { BaseAddress = app.BaseUrl, Timeout = TimeSpan.FromMinutes(10) };
            http.DefaultRequestHeaders.Add("X-Api-Key", HrKey);

            var people = rows / Codes.Length;
            var staff = Enumerable.Range(0, people).Select(i => (Id: $"E{i:D6}", Clinic: $"clinic-{i % clinicCount:D3}")).OrderBy(s => s.Clinic, StringComparer.Ordinal).ToList();
            var warmStaff = Enumerable.Range(0, WarmPeople).Select(i => (Id: $"W{i:D6}", Clinic: $"warm-{i % WarmClinics:D2}")).OrderBy(s => s.Clinic, StringComparer.Ordinal).ToList();
            await SetUpAsync(http, clinicCount, staff.Concat(warmStaff).ToList());

            // Warm-up, not measured: both paths first write 2,000 other rows (20 clinics), so that neither
            // pays for JIT (the app's tiering, Azurite's V8) in the figures, whichever goes first.
            using (var warm = new StringContent(RecordsCsv(warmStaff), Encoding.UTF8, "text/csv"))
            using (var warmed = await http.PostAsync(new Uri("/api/records/import", UriKind.Relative), warm))
            {
                warmed.EnsureSuccessStatusCode();
            }

            await bare.CreateTableAsync(prefix + "Warm");
            foreach (var group in warmStaff.GroupBy(w => w.Clinic))
            {
                await bare.InsertBatchesAsync(prefix + "Warm", group.Key, group.SelectMany(w => Codes.Select(c => Record(w.Id, c))).ToList());
            }

            var csv = RecordsCsv(staff);
            var records = staff.SelectMany(s => Codes.Select(c => (s.Clinic, Record: Record(s.Id, c)))).ToList();

            // Raw floor: the same rows as $batch inserts into a fresh table.
            var rawTable = prefix + "Raw";
            await bare.CreateTableAsync(rawTable);
            var raw = new Stopwatch();
            async Task RawAsync()
            {
                // As many clinics at once as the import writes (ImportService.WriteConcurrency).
                raw.Start();
                await Parallel.ForEachAsync(
                    records.GroupBy(r => r.Clinic),
                    new ParallelOptions { MaxDegreeOfParallelism = ImportService.WriteConcurrency },
                    async (group, _) => await bare.InsertBatchesAsync(rawTable, group.Key, group.Select(g => g.Record).ToList()));
                raw.Stop();
            }

            if (rawFirst) await RawAsync();
            var ours = Stopwatch.StartNew();
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var response = await http.PostAsync(new Uri("/api/records/import", UriKind.Relative), content);
            ours.Stop();
            if (!rawFirst) await RawAsync();
            var body = await response.Content.ReadAsStringAsync();
            using var result = JsonDocument.Parse(body);
            var created = result.RootElement.GetProperty("created").GetInt32();
            if (!response.IsSuccessStatusCode || created != rows)
            {
                Console.Error.WriteLine($"import of {rows:N0} rows failed: {(int)response.StatusCode} {body[..Math.Min(500, body.Length)]}");
                return 1;
            }

            // The other path, for the record (no target): the same file again, every row read and found unchanged.
            var again = Stopwatch.StartNew();
            using var sameContent = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
            sameContent.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var sameResponse = await http.PostAsync(new Uri("/api/records/import", UriKind.Relative), sameContent);
            again.Stop();
            using var sameResult = JsonDocument.Parse(await sameResponse.Content.ReadAsStringAsync());
            if (!sameResponse.IsSuccessStatusCode || sameResult.RootElement.GetProperty("unchanged").GetInt32() != rows)
            {
                Console.Error.WriteLine($"re-upload of {rows:N0} rows did not find every row unchanged: {(int)sameResponse.StatusCode}");
                return 1;
            }

            results.Add((rows, ours.Elapsed.TotalSeconds, raw.Elapsed.TotalSeconds, app.PeakMemoryMiB));
            if (round == 0 && !await OversizedAsync(app, http)) return 1;
            Console.WriteLine($"{rows,7:N0} rows ({csv.Length / 1024.0 / 1024.0:F1} MB CSV, {(rawFirst ? "raw" : "ours")} first): HTTP import {ours.Elapsed.TotalSeconds:F2} s, raw $batch floor {raw.Elapsed.TotalSeconds:F2} s, ratio {ours.Elapsed / raw.Elapsed:F2} (target <= 1.3); same file again (all unchanged) {again.Elapsed.TotalSeconds:F2} s; app peak memory {app.PeakMemoryMiB} MiB");
        }

        var smallRatios = results.Where(r => r.Rows == small).Select(r => r.Ours / r.Raw).ToList();
        Console.WriteLine($"{small:N0} rows, median ratio of {smallRatios.Count} rounds: {StartupBenchmark.Median(smallRatios):F2} (target <= 1.3; rounds {string.Join(", ", smallRatios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))})");
        return 0;
    }

    /// <summary>A 50 MB body, streamed without Content-Length, against the default 10 MB cap: 413, and the app's peak memory.</summary>
    private static async Task<bool> OversizedAsync(AppProcess app, HttpClient http)
    {
        var before = app.PeakMemoryMiB;
        var row = Encoding.UTF8.GetBytes("E000001,BLS,2026-03-02,,\n");
        var body = new byte[50 * 1024 * 1024];
        for (var i = 0; i < body.Length; i++) body[i] = row[i % row.Length];
        using var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/records/import", UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        HttpStatusCode status;
        try
        {
            using var response = await http.SendAsync(request);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = HttpStatusCode.RequestEntityTooLarge; // the server may close the connection once it has answered
        }

        var grown = app.PeakMemoryMiB - before;
        Console.WriteLine($"50 MB chunked body with a 10 MB cap: {(int)status}; app peak memory {before} MiB before, {app.PeakMemoryMiB} MiB after (+{grown} MiB; limit +20 MiB, twice the cap)");
        return status == HttpStatusCode.RequestEntityTooLarge && grown < 20;
    }

    private static CredentialRecord Record(string employeeId, string code) =>
        new(employeeId, code, new DateOnly(2026, 3, 2), null, null, "import", false);

    private static string RecordsCsv(List<(string Id, string Clinic)> staff)
    {
        var sb = new StringBuilder("employee_id,credential,issued_on,expires_on,credential_number\n");
        foreach (var (id, _) in staff)
        {
            foreach (var code in Codes) sb.Append(CultureInfo.InvariantCulture, $"{id},{code},2026-03-02,,\n");
        }

        return sb.ToString();
    }

    private static async Task SetUpAsync(HttpClient http, int clinicCount, List<(string Id, string Clinic)> staff)
    {
        foreach (var id in Enumerable.Range(0, clinicCount).Select(c => $"clinic-{c:D3}").Concat(Enumerable.Range(0, WarmClinics).Select(c => $"warm-{c:D2}")))
        {
            using var put = await http.PutAsync(
                new Uri($"/api/clinics/{id}", UriKind.Relative),
                new StringContent($$"""{"name":"Clinic {{id}}","timeZone":"America/Chicago","state":"TX","managerEmails":["manager@bench.example"],"sendHour":8}""", Encoding.UTF8, "application/json"));
            put.EnsureSuccessStatusCode();
        }

        var roster = new StringBuilder("employee_id,first_name,last_name,email,clinic_id,role\n");
        foreach (var (id, clinic) in staff) roster.Append(CultureInfo.InvariantCulture, $"{id},Pat,Lee,{id.ToLowerInvariant()}@bench.example,{clinic},medical_assistant\n");
        using var content = new StringContent(roster.ToString(), Encoding.UTF8, "text/csv");
        using var response = await http.PostAsync(new Uri("/api/staff/import", UriKind.Relative), content);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"roster import failed: {(int)response.StatusCode} {body[..Math.Min(500, body.Length)]}");
        }
    }
}
