using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ComplianceBot.Domain.Model;
using ComplianceBot.Storage;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Storage.Tables;
using ComplianceBot.Testing;

namespace ComplianceBot.Bench;

/// <summary>
/// Measures the storage adapter against the thinnest honest baselines, in the same run and on the same Azurite:
/// (1) loading 50,000 credential records: raw $batch over HTTP, bare SDK transactions, and
/// <see cref="TableCredentialRecordStore.UpsertManyAsync"/>; (2) reading them back: a bare SDK paged read vs
/// <see cref="TableCredentialRecordStore.ListByClinicAsync"/>; (3) a CPU and allocation profile of one
/// 100-row transaction and one 1,000-row page with the network taken out (Azurite's own answers replayed),
/// to show where the client's time goes. Each clinic is done every way back to back, the order rotating per
/// clinic and round, and a side's figure is the sum of its per-clinic times, so background load hits every
/// side alike; medians are reported.
/// </summary>
internal static class StorageBenchmark
{
    private const int Parallelism = 8;

    private static readonly string[] Codes = ["BLS", "CMA", "HIPAA", "OSHA-BBP", "CLIA"];

    public static async Task<int> RunAsync(string[] args)
    {
        var clinics = BenchArgs.Option(args, "--clinics", 200);
        var perClinic = BenchArgs.Option(args, "--per-clinic", 250);
        var rounds = BenchArgs.Option(args, "--rounds", 7);
        var importRounds = BenchArgs.Option(args, "--import-rounds", 3);

        Console.WriteLine($"storage benchmark: {clinics} clinics x {perClinic} records = {clinics * perClinic:N0} rows; {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        using var azurite = new AzuriteFixture();
        var options = new TableStorageOptions { ConnectionString = azurite.ConnectionString };
        var service = TableServiceClients.Create(options);

        // The baselines use the SDK as it comes: default options, none of our policies.
        var bareService = new TableServiceClient(azurite.ConnectionString);
        using var rawBatch = new BareTableClient(azurite.TableEndpoint, AzuriteFixture.AccountName, AzuriteFixture.AccountKey);

        var data = Enumerable.Range(0, clinics).Select(c => (
            ClinicId: $"clinic-{c:D3}",
            Records: (IReadOnlyList<CredentialRecord>)Enumerable.Range(0, perClinic)
                .Select(i => new CredentialRecord($"E{c:D3}-{i / 5:D3}", Codes[i % 5], new DateOnly(2025, 1 + (i % 12), 1 + (i % 28)), new DateOnly(2027, 1 + (i % 12), 1 + (i % 28)), $"N{i:D6}", "import", i % 2 == 0))
                .ToList())).ToList();

        // Warm-up (not measured): JIT every code path and Azurite's handlers on a few clinics.
        var warm = new StorageTables(service, "benchwarm");
        await warm.EnsureCreatedAsync();
        var warmRaw = await CreateAsync(bareService, "benchwarmraw");
        var warmSdk = await CreateAsync(bareService, "benchwarmsdk");
        var warmStore = new TableCredentialRecordStore(warm);
        await ForEachClinic(data.Take(10), d => rawBatch.InsertBatchesAsync(warmRaw.Name, d.ClinicId, d.Records));
        await ForEachClinic(data.Take(10), d => BareSdkTable.InsertBatchesAsync(warmSdk, d.ClinicId, d.Records));
        await ForEachClinic(data.Take(10), d => warmStore.UpsertManyAsync(d.ClinicId, d.Records));
        await ForEachClinic(data.Take(10), d => BareSdkTable.CountPartitionAsync(bareService.GetTableClient(warm.CredentialRecords.Name), d.ClinicId));
        await ForEachClinic(data.Take(10), d => warmStore.ListByClinicAsync(d.ClinicId));

        // Import: fresh tables per round; only the first round's repository table is kept, for the reads.
        var rawImport = new List<double>();
        var sdkImport = new List<double>();
        var repoImport = new List<double>();
        StorageTables? loaded = null;
        for (var round = 0; round < importRounds; round++)
        {
            var tables = new StorageTables(service, $"bench{round}");
            await tables.EnsureCreatedAsync();
            var rawTable = await CreateAsync(bareService, $"benchraw{round}");
            var sdkTable = await CreateAsync(bareService, $"benchsdk{round}");
            var store = new TableCredentialRecordStore(tables);
            var times = await RotatedAsync(
                data,
                round,
                d => rawBatch.InsertBatchesAsync(rawTable.Name, d.ClinicId, d.Records),
                d => BareSdkTable.InsertBatchesAsync(sdkTable, d.ClinicId, d.Records),
                d => store.UpsertManyAsync(d.ClinicId, d.Records));
            rawImport.Add(times[0]);
            sdkImport.Add(times[1]);
            repoImport.Add(times[2]);
            Console.WriteLine($"  import round {round + 1}: raw $batch {times[0]:F2} s, bare SDK {times[1]:F2} s, repository {times[2]:F2} s (sums of per-clinic times)");
            await rawTable.DeleteAsync();
            await sdkTable.DeleteAsync();
            if (loaded is null)
            {
                loaded = tables;
            }
            else
            {
                await Task.WhenAll(tables.All.Select(t => t.DeleteAsync()));
            }
        }

        // Read: the same 50,000 entities of the first repository-loaded table, both ways, paired per clinic.
        var readStore = new TableCredentialRecordStore(loaded!);
        var bareTable = bareService.GetTableClient(loaded!.CredentialRecords.Name);
        var bareRead = new List<double>();
        var repoRead = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            long bareCount = 0, repoCount = 0;
            var times = await RotatedAsync(
                data,
                round + 1,
                async d => Interlocked.Add(ref bareCount, await BareSdkTable.CountPartitionAsync(bareTable, d.ClinicId)),
                async d => Interlocked.Add(ref repoCount, (await readStore.ListByClinicAsync(d.ClinicId)).Count));
            if (bareCount != clinics * perClinic || repoCount != bareCount) throw new InvalidOperationException($"read {bareCount} bare / {repoCount} repository rows, expected {clinics * perClinic}");
            if (round < 0) continue; // warm-up round
            bareRead.Add(times[0]);
            repoRead.Add(times[1]);
            Console.WriteLine($"  read round {round + 1}: bare SDK {times[0]:F2} s, repository {times[1]:F2} s (sums of per-clinic times)");
        }

        var (a, b) = (Median(bareRead), Median(repoRead));
        var (ri, si, pi) = (Median(rawImport), Median(sdkImport), Median(repoImport));
        Console.WriteLine();
        Console.WriteLine($"read   (a) bare SDK paged read (QueryAsync<TableEntity>):  {a:F3} s  (median of {rounds} rounds, sum of per-clinic times)");
        Console.WriteLine($"read   (b) repository ListByClinicAsync:                   {b:F3} s");
        Console.WriteLine($"read   ratio (b)/(a) = {b / a:F3}  (target <= 1.15) {(b / a <= 1.15 ? "OK" : "MISSED")}   spread of per-round ratios {Spread(repoRead, bareRead)}");
        Console.WriteLine($"import raw $batch over HTTP:                               {ri:F3} s  (median of {importRounds} rounds)");
        Console.WriteLine($"import bare SDK transactions:                              {si:F3} s");
        Console.WriteLine($"import repository UpsertManyAsync:                         {pi:F3} s");
        Console.WriteLine($"import ratio repository/bare SDK = {pi / si:F3}  (target <= 1.2) {(pi / si <= 1.2 ? "OK" : "MISSED")}; repository/raw $batch = {pi / ri:F3}; bare SDK/raw $batch = {si / ri:F3}");

        await ProfileAsync(azurite, service, loaded);
        return b / a <= 1.15 ? 0 : 1;
    }

    /// <summary>
    /// CPU and allocations of the client alone: Azurite's answer to one 100-row transaction and to one 1,000-row
    /// page are captured once, then replayed by an in-process handler, so each figure is the cost of building the
    /// request and reading the answer, without the network or Azurite.
    /// </summary>
    private static async Task ProfileAsync(AzuriteFixture azurite, TableServiceClient service, StorageTables loaded)
    {
        const int batches = 200;
        const int pages = 50;
        var capture = new CapturingHandler();
        var captureTable = await CreateAsync(new TableServiceClient(azurite.ConnectionString, new TableClientOptions { Transport = new HttpClientTransport(capture) }), "benchprofile");
        var records = Enumerable.Range(0, 100).Select(i => new CredentialRecord($"E{i / 5:D3}", Codes[i % 5], new DateOnly(2025, 1, 1), new DateOnly(2027, 1, 1), $"N{i:D6}", "import", true)).ToList();
        await BareSdkTable.InsertBatchesAsync(captureTable, "p", records);
        var batchAnswer = capture.Last!;
        var captureRead = new TableServiceClient(azurite.ConnectionString, new TableClientOptions { Transport = new HttpClientTransport(capture) }).GetTableClient(loaded.CredentialRecords.Name);
        await foreach (var _ in captureRead.QueryAsync<TableEntity>(maxPerPage: 1000).AsPages())
        {
            break; // the first page: 1,000 entities
        }

        var pageAnswer = capture.Last!;
        await captureTable.DeleteAsync();

        // Every variant below replays the captured answers instead of calling Azurite.
        var replay = new ReplayHandler(batchAnswer, pageAnswer);
        TableClient Sdk(TableClientOptions o)
        {
            o.Transport = new HttpClientTransport(replay);
            return new TableServiceClient(azurite.ConnectionString, o).GetTableClient("benchprofile");
        }

        var sdkDefault = Sdk(new TableClientOptions());
        var sdkQuiet = Sdk(new TableClientOptions { Diagnostics = { IsLoggingEnabled = false, IsDistributedTracingEnabled = false } });
        var ours = new TableClientOptions();
        TableServiceClients.Configure(ours, new TableStorageOptions { ConnectionString = azurite.ConnectionString });
        var sdkOurs = Sdk(ours);
        var oursTables = new StorageTables(new TableServiceClient(azurite.ConnectionString, ours), "benchprofile");
        using var rawClient = new BareTableClient(azurite.TableEndpoint, AzuriteFixture.AccountName, AzuriteFixture.AccountKey, replay);
        List<TableTransactionAction> Actions() => records.Select(r => new TableTransactionAction(TableTransactionActionType.Add, BareSdkTable.Entity("p", r))).ToList();
        List<TableTransactionAction> RepositoryActions() => records.Select(r => new TableTransactionAction(TableTransactionActionType.Add, TableCredentialRecordStore.ToEntity("p", r))).ToList();

        var buildOnly = new TableServiceClient(azurite.ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0 }, Transport = new HttpClientTransport(new ReplayHandler(batchAnswer, pageAnswer, refuse: true)) }).GetTableClient("benchprofile");
        var variants = new List<(string Label, Func<Task> Operation, bool Events)>
        {
            ("raw $batch over HTTP, hand-built body            ", () => rawClient.InsertBatchesAsync("benchprofile", "p", records), false),
            ("SDK SubmitTransactionAsync, defaults             ", () => sdkDefault.SubmitTransactionAsync(Actions()), false),
            ("  same, request built and sent, answer not read  ", () => RefusedAsync(buildOnly.SubmitTransactionAsync(Actions())), false),
            ("  same, Azure-Core events on (log forwarder)     ", () => sdkDefault.SubmitTransactionAsync(Actions()), true),
            ("  same, request logging and tracing off          ", () => sdkQuiet.SubmitTransactionAsync(Actions()), false),
            ("SDK + our policies, SubmitTransactionOnceAsync   ", () => sdkOurs.SubmitTransactionOnceAsync(RepositoryActions(), default), false),
            ("  same, Azure-Core events on (log forwarder)     ", () => sdkOurs.SubmitTransactionOnceAsync(RepositoryActions(), default), true),
            ("  of which: entities built (ToEntity)            ", () => Task.FromResult(RepositoryActions()), false),
            ("  of which: limits checked and ids stamped       ", () => Task.FromResult(TableClientExtensions.CheckTransaction(RepositoryActions())), false),
            ("SDK page of 1,000, QueryAsync<TableEntity>       ", () => BareSdkTable.CountPartitionAsync(sdkDefault, "clinic-000"), false),
            ("  same, Azure-Core events on (log forwarder)     ", () => BareSdkTable.CountPartitionAsync(sdkDefault, "clinic-000"), true),
            ("repository ListByClinicAsync, 1,000 records      ", () => new TableCredentialRecordStore(oursTables).ListByClinicAsync("clinic-000"), false),
        };

        // Every variant is warmed up first (tiered JIT settles), then measured in interleaved rounds; medians per operation.
        foreach (var (_, operation, _) in variants)
        {
            for (var i = 0; i < 300; i++) await operation();
        }

        const int profileRounds = 5;
        var results = variants.Select(_ => new List<(double Wall, double Cpu, double Alloc)>()).ToList();
        for (var round = 0; round < profileRounds; round++)
        {
            for (var v = 0; v < variants.Count; v++)
            {
                var iterations = variants[v].Label.Contains("page", StringComparison.Ordinal) || variants[v].Label.Contains("ListBy", StringComparison.Ordinal) ? pages : batches;
                using var listener = variants[v].Events ? new AzureCoreListener() : null;
                results[v].Add(await MeasureAsync(iterations, variants[v].Operation));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"client profile, network replaced by Azurite's captured answers (median of {profileRounds} interleaved rounds; per 100-row transaction or 1,000-row page):");
        for (var v = 0; v < variants.Count; v++)
        {
            var r = results[v];
            Console.WriteLine($"  {variants[v].Label}  {MedianOf(r, x => x.Wall),7:F0} µs wall  {MedianOf(r, x => x.Cpu),7:F0} µs CPU  {MedianOf(r, x => x.Alloc) / 1024,8:F1} KiB allocated");
        }

        // Where the SDK's allocations go: the runtime's sampled allocation events (one per ~100 KiB), by type.
        using (var sampler = new AllocationSampler())
        {
            for (var i = 0; i < batches; i++) await sdkQuiet.SubmitTransactionAsync(Actions());
            Console.WriteLine("  SDK transaction allocations by type (sampled): " + sampler.Top(6));
        }
    }

    private static async Task RefusedAsync(Task submit)
    {
        try
        {
            await submit;
        }
        catch (InvalidOperationException ex) when (ex.Message == ReplayHandler.Refusal)
        {
        }
    }

    private static double MedianOf<T>(List<T> values, Func<T, double> select) => Median(values.Select(select).ToList());

    private static async Task<(double Wall, double Cpu, double Alloc)> MeasureAsync(int iterations, Func<Task> operation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) await operation();
        clock.Stop();
        return (
            clock.Elapsed.TotalMicroseconds / iterations,
            (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / iterations,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)iterations);
    }

    private static async Task<TableClient> CreateAsync(TableServiceClient service, string name)
    {
        var table = service.GetTableClient(name);
        await table.CreateIfNotExistsAsync();
        return table;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Spread(List<double> numerators, List<double> denominators)
    {
        var ratios = numerators.Zip(denominators, (n, d) => n / d).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{ratios.Min():F3}-{ratios.Max():F3}");
    }

    /// <summary>
    /// Runs every side back to back for each item, the order rotating by item and round, and sums each side's
    /// time over the items (with <see cref="Parallelism"/> items in flight).
    /// </summary>
    private static async Task<double[]> RotatedAsync<T>(List<T> items, int round, params Func<T, Task>[] sides)
    {
        var ticks = new long[sides.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            for (var k = 0; k < sides.Length; k++)
            {
                var side = (k + i + round) % sides.Length;
                var start = Stopwatch.GetTimestamp();
                await sides[side](items[i]);
                Interlocked.Add(ref ticks[side], Stopwatch.GetTimestamp() - start);
            }
        });
        return ticks.Select(t => (double)t / Stopwatch.Frequency).ToArray();
    }

    private static Task ForEachClinic<T>(IEnumerable<T> items, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (item, _) => await body(item));

    private sealed record CapturedAnswer(HttpStatusCode Status, string ContentType, byte[] Body);

    /// <summary>Forwards to Azurite and keeps the last answer to a $batch or a query.</summary>
    private sealed class CapturingHandler : DelegatingHandler
    {
        public CapturingHandler() => InnerHandler = new SocketsHttpHandler();

        public CapturedAnswer? Last { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            Last = new CapturedAnswer(response.StatusCode, response.Content.Headers.ContentType!.ToString(), body);
            var copy = new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(body), RequestMessage = request };
            foreach (var header in response.Headers) copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            foreach (var header in response.Content.Headers) copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            response.Dispose();
            return copy;
        }
    }

    /// <summary>
    /// Answers a $batch with the captured transaction answer and any query with the captured page (no continuation);
    /// with <c>refuse</c>, reads the request and then fails it, so only building and sending it is measured.
    /// </summary>
    private sealed class ReplayHandler(CapturedAnswer batch, CapturedAnswer page, bool refuse = false) : HttpMessageHandler
    {
        public const string Refusal = "refused by the benchmark after reading the request";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // The request body is read as the service would; the SDK builds it lazily while sending.
            if (request.Content is not null) await request.Content.CopyToAsync(Stream.Null, cancellationToken);
            if (refuse) throw new InvalidOperationException(Refusal);
            var answer = request.Method == HttpMethod.Post ? batch : page;
            var response = new HttpResponseMessage(answer.Status) { Content = new ByteArrayContent(answer.Body), RequestMessage = request };
            response.Content.Headers.TryAddWithoutValidation("Content-Type", answer.ContentType);
            return response;
        }
    }

    /// <summary>Turns the Azure SDK's event source on at Verbose, as <c>AddAzureClients</c>' log forwarder does.</summary>
    private sealed class AzureCoreListener : EventListener
    {
        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name.StartsWith("Azure-", StringComparison.Ordinal)) EnableEvents(eventSource, EventLevel.Verbose);
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData) => _ = eventData.Payload;
    }

    /// <summary>The runtime's GC AllocationTick events (about one per 100 KiB allocated), summed by allocated type.</summary>
    private sealed class AllocationSampler : EventListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

        public string Top(int count)
        {
            var total = Math.Max(1, _bytes.Values.Sum());
            return string.Join(", ", _bytes.OrderByDescending(p => p.Value).Take(count).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {100.0 * p.Value / total:F0}%")));
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            // Keyword 0x1 = GC; AllocationTick is raised at Verbose.
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null) return;
            var type = eventData.Payload![eventData.PayloadNames.IndexOf("TypeName")] as string ?? "?";
            var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
            var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture) : 100_000;
            _bytes.AddOrUpdate(type, amount, (_, n) => n + amount);
        }
    }
}
