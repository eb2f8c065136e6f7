using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComplianceBot.Domain.Model;
using ComplianceBot.Storage.Client;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;

namespace ComplianceBot.Bench;

/// <summary>
/// Measures the storage adapter against the thinnest honest baseline, in the same run and on the same
/// Azurite: (1) reading every clinic's credential records, bare HttpClient + JsonDocument loop vs
/// <see cref="TableCredentialRecordStore.ListByClinicAsync"/>; (2) loading the same rows, raw hand-built
/// $batch inserts vs <see cref="TableCredentialRecordStore.UpsertManyAsync"/>. Rounds alternate which side
/// goes first; medians are reported.
/// </summary>
internal static class StorageBenchmark
{
    private const int Parallelism = 8;

    public static async Task<int> RunAsync(string[] args)
    {
        var clinics = Option(args, "--clinics", 200);
        var perClinic = Option(args, "--per-clinic", 250);
        var rounds = Option(args, "--rounds", 5);
        var importRounds = Option(args, "--import-rounds", 3);

        Console.WriteLine($"storage benchmark: {clinics} clinics x {perClinic} records = {clinics * perClinic:N0} rows; {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        using var azurite = new AzuriteFixture();
        var options = new TableStorageClientOptions { ConnectionString = azurite.ConnectionString };
        using var client = new TableStorageClient(options);
        using var bare = new BareTableClient(azurite.TableEndpoint, AzuriteFixture.AccountName, AzuriteFixture.AccountKey);

        var data = Enumerable.Range(0, clinics).Select(c => (
            ClinicId: $"clinic-{c:D3}",
            Records: (IReadOnlyList<CredentialRecord>)Enumerable.Range(0, perClinic)
                .Select(i => new CredentialRecord($"E{c:D3}-{i / 5:D3}", Codes[i % 5], new DateOnly(2025, 1 + (i % 12), 1 + (i % 28)), new DateOnly(2027, 1 + (i % 12), 1 + (i % 28)), $"N{i:D6}", "import", i % 2 == 0))
                .ToList())).ToList();

        // Warm-up (not measured): JIT both code paths and Azurite's handlers on a few clinics.
        var warmTables = new StorageTables("benchwarm");
        await warmTables.EnsureCreatedAsync(client);
        await client.CreateTableIfNotExistsAsync("benchwarmraw");
        var warmStore = new TableCredentialRecordStore(client, warmTables);
        await ForEachClinic(data.Take(10), d => bare.InsertBatchesAsync("benchwarmraw", d.ClinicId, d.Records));
        await ForEachClinic(data.Take(10), d => warmStore.UpsertManyAsync(d.ClinicId, d.Records));
        await ForEachClinic(data.Take(10), d => bare.CountPartitionAsync("benchwarmraw", d.ClinicId));
        await ForEachClinic(data.Take(10), d => warmStore.ListByClinicAsync(d.ClinicId));

        // Import: fresh tables per side and round. Each clinic is loaded both ways back to back (order
        // alternating by clinic and round), so background load on the machine hits both sides alike;
        // a side's figure is the sum of its per-clinic times.
        var rawImport = new List<double>();
        var repoImport = new List<double>();
        StorageTables? loaded = null;
        for (var round = 0; round < importRounds; round++)
        {
            var tables = new StorageTables($"bench{round}");
            await tables.EnsureCreatedAsync(client);
            var rawTable = $"benchraw{round}";
            await client.CreateTableIfNotExistsAsync(rawTable);
            var store = new TableCredentialRecordStore(client, tables);
            var r = round;
            var (raw, repo) = await PairedAsync(
                data,
                (d, i) => (i + r) % 2 == 0,
                d => bare.InsertBatchesAsync(rawTable, d.ClinicId, d.Records),
                d => store.UpsertManyAsync(d.ClinicId, d.Records));
            rawImport.Add(raw);
            repoImport.Add(repo);
            Console.WriteLine($"  import round {round + 1}: raw $batch {raw:F2} s, repository {repo:F2} s (sum of per-clinic times)");
            loaded ??= tables;
        }

        // Read: the same 50,000 entities of the first repository-loaded table, both ways, paired per clinic.
        var readStore = new TableCredentialRecordStore(client, loaded!);
        var table = loaded!.CredentialRecords;
        long bareCount = 0, repoCount = 0;
        var bareRead = new List<double>();
        var repoRead = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var r = round;
            bareCount = repoCount = 0;
            var (bareTime, repoTime) = await PairedAsync(
                data,
                (d, i) => (i + r) % 2 == 0,
                async d => Interlocked.Add(ref bareCount, await bare.CountPartitionAsync(table, d.ClinicId)),
                async d => Interlocked.Add(ref repoCount, (await readStore.ListByClinicAsync(d.ClinicId)).Count));
            if (bareCount != clinics * perClinic || repoCount != bareCount) throw new InvalidOperationException($"read {bareCount} bare / {repoCount} repository rows, expected {clinics * perClinic}");
            if (round < 0) continue; // warm-up round
            bareRead.Add(bareTime);
            repoRead.Add(repoTime);
            Console.WriteLine($"  read round {round + 1}: bare {bareTime:F2} s, repository {repoTime:F2} s (sum of per-clinic times)");
        }

        // Diagnostic: what one partition query costs on a table this size when the partition is empty
        // (Azurite evaluates filters over the whole table; the service indexes by partition).
        var emptyQuery = await TimeAsync(() => ForEachClinic(data, d => bare.CountPartitionAsync(table, "none-" + d.ClinicId)));
        Console.WriteLine($"  {clinics} empty-partition queries on the loaded table: {emptyQuery:F2} s");

        var (a, b) = (Median(bareRead), Median(repoRead));
        var (ra, rb) = (Median(rawImport), Median(repoImport));
        Console.WriteLine();
        Console.WriteLine($"read  (a) bare HttpClient paged read:      {a:F3} s  (median of {rounds} rounds, sum of per-clinic times)");
        Console.WriteLine($"read  (b) repository ListByClinicAsync:     {b:F3} s");
        Console.WriteLine($"read  ratio (b)/(a) = {b / a:F3}  (target <= 1.15) {(b / a <= 1.15 ? "OK" : "MISSED")}");
        Console.WriteLine($"import raw $batch inserts:                  {ra:F3} s  (median of {importRounds} rounds)");
        Console.WriteLine($"import repository UpsertManyAsync:          {rb:F3} s");
        Console.WriteLine($"import ratio repository/raw = {rb / ra:F3}  (target <= 1.2) {(rb / ra <= 1.2 ? "OK" : "MISSED")}");
        return 0;
    }

    private static readonly string[] Codes = ["BLS", "CMA", "HIPAA", "OSHA-BBP", "CLIA"];

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="a"/> and <paramref name="b"/> back to back for every item (order chosen per item), summing each side's time.</summary>
    private static async Task<(double A, double B)> PairedAsync<T>(List<T> items, Func<T, int, bool> aFirst, Func<T, Task> a, Func<T, Task> b)
    {
        long ticksA = 0, ticksB = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            async Task Timed(Func<T, Task> f, bool isA)
            {
                var start = Stopwatch.GetTimestamp();
                await f(items[i]);
                Interlocked.Add(ref isA ? ref ticksA : ref ticksB, Stopwatch.GetTimestamp() - start);
            }

            if (aFirst(items[i], i))
            {
                await Timed(a, true);
                await Timed(b, false);
            }
            else
            {
                await Timed(b, false);
                await Timed(a, true);
            }
        });
        return ((double)ticksA / Stopwatch.Frequency, (double)ticksB / Stopwatch.Frequency);
    }

    private static Task ForEachClinic<T>(IEnumerable<T> items, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (item, _) => await body(item));

    private static async Task<long> SumClinics<T>(IEnumerable<T> items, Func<T, Task<int>> body)
    {
        long total = 0;
        await ForEachClinic(items, async item => Interlocked.Add(ref total, await body(item)));
        return total;
    }

    /// <summary>The baseline: signing, one HttpClient, hand-built requests, no retries, no mapping beyond JSON parsing.</summary>

}
