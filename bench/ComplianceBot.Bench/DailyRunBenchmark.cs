using System.Diagnostics;
using ComplianceBot.Application;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Email;
using ComplianceBot.Storage;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Bench;

/// <summary>
/// The daily run for an organization of 10,000 staff, 50,000 records and 200 clinics, on Azurite, with a
/// fake SendGrid that answers every POST after 50 ms. Its wall time is compared with a floor measured in
/// the same run: a bare paged read of everything the run reads, plus the send floor
/// (messages × 50 ms / SendGrid concurrency). Target: ratio ≤ 1.25.
/// </summary>
internal static class DailyRunBenchmark
{
    private static readonly string[] Codes = ["BLS", "HIPAA", "OSHA_BBP", "OSHA_HAZCOM", "CMA"];
    private static readonly string[] States = ["Sending", "Sent"];

    public static async Task<int> RunAsync(string[] args)
    {
        var clinicCount = BenchArgs.Option(args, "--clinics", 200);
        var staffPerClinic = BenchArgs.Option(args, "--staff", 50);
        var sendLatency = TimeSpan.FromMilliseconds(BenchArgs.Option(args, "--send-ms", 50));
        const int sendConcurrency = 8;

        // Wednesday 2026-11-18, 14:00 UTC = 08:00 in Chicago: every clinic is at its send hour.
        var now = new DateTimeOffset(2026, 11, 18, 14, 0, 0, TimeSpan.Zero);
        var today = new DateOnly(2026, 11, 18);
        Console.WriteLine($"daily-run benchmark: {clinicCount} clinics x {staffPerClinic} staff x {Codes.Length} records; SendGrid fake answers in {sendLatency.TotalMilliseconds} ms; {Environment.ProcessorCount} cores");

        using var azurite = new AzuriteFixture();
        await using var sendGrid = await FakeSendGridServer.StartAsync();
        sendGrid.RecordRequests = false;
        sendGrid.AlwaysAccept(sendLatency);

        var clock = new ManualTimeProvider(now);
        var prefix = "benchdaily";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = prefix,
            ["SendGrid:ApiKey"] = "SG.benchmark-key",
            ["SendGrid:BaseUrl"] = sendGrid.BaseUrl.ToString(),
            ["SendGrid:MaxConcurrency"] = sendConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:FromAddress"] = "compliance@bench.example",
        }).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddComplianceBotApplication(configuration)
            .AddStorageServices(configuration)
            .AddEmailServices(configuration);
        await using var provider = services.BuildServiceProvider();
        await provider.EnsureTablesAsync();

        // Load: one in five people has a BLS card crossing its 30-day threshold today; everything else is current.
        var load = Stopwatch.StartNew();
        var clinics = provider.GetRequiredService<IClinicStore>();
        var staffStore = provider.GetRequiredService<IStaffStore>();
        var recordStore = provider.GetRequiredService<ICredentialRecordStore>();
        var watermarks = provider.GetRequiredService<IRunWatermarkStore>();
        var expectedReminders = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, clinicCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, ct) =>
        {
            var clinic = new Clinic($"clinic-{c:D3}", $"Clinic {c}", "America/Chicago", "TX", [$"manager{c}@bench.example"], 8, Clinic.MondayToFriday);
            await clinics.UpsertAsync(clinic, ct);
            var staff = Enumerable.Range(0, staffPerClinic)
                .Select(i => new StaffMember($"E{c:D3}-{i:D3}", "Pat", $"Lee{i}", $"e{c}-{i}@bench.example", clinic.Id, StaffRole.MedicalAssistant, new DateOnly(2020, 1, 6), "TX", null, true))
                .ToList();
            await staffStore.UpsertManyAsync(staff, ct);
            var records = staff.SelectMany((s, i) =>
            {
                var blsDue = today.AddDays(i % 5 == 0 ? 30 : 200 + i);
                return new CredentialRecord[]
                {
                    new(s.EmployeeId, "BLS", blsDue.AddMonths(-24), blsDue, "C" + i, "bench", true),
                    new(s.EmployeeId, "HIPAA", today.AddDays(-100), null, null, "bench", true),
                    new(s.EmployeeId, "OSHA_BBP", today.AddDays(-100), null, null, "bench", true),
                    new(s.EmployeeId, "OSHA_HAZCOM", today.AddDays(-100), null, null, "bench", true),
                    new(s.EmployeeId, "CMA", today.AddMonths(-12), null, null, "bench", true),
                };
            }).ToList();
            await recordStore.UpsertManyAsync(clinic.Id, records, ct);
            await watermarks.AdvanceAsync(clinic.Id, nameof(RunJob.DailyReminders), today.AddDays(-1), ct);
            Interlocked.Add(ref expectedReminders, staff.Count(s => int.Parse(s.EmployeeId[^3..], System.Globalization.CultureInfo.InvariantCulture) % 5 == 0));
        });
        Console.WriteLine($"loaded {clinicCount * staffPerClinic:N0} staff and {clinicCount * staffPerClinic * Codes.Length:N0} records in {load.Elapsed.TotalSeconds:F1} s");

        // Floor 1: a bare paged read of every partition the run reads (staff, records, ledger) per clinic.
        var tables = provider.GetRequiredService<StorageTables>();
        var bare = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        await ReadEverythingAsync(bare, tables, clinicCount); // warm-up
        var readFloor = Stopwatch.StartNew();
        var rows = await ReadEverythingAsync(bare, tables, clinicCount);
        readFloor.Stop();

        // Floor 2: the sends themselves, at SendGrid's concurrency.
        var sendFloor = TimeSpan.FromTicks(sendLatency.Ticks * expectedReminders / sendConcurrency);

        // Floor 3 (reported, not added: the run overlaps these writes with the sends): the ledger writes the
        // send-once guarantee needs, bare: per message a claim insert of its gate and its item, then one
        // conditional replace of both to Sending and one to Sent, at the run's concurrency, on a table of its own.
        var ledgerFloor = await LedgerWritesAsync(bare, prefix + "floorledger", expectedReminders, clinicCount);

        // The run, as the timer does it.
        var runs = provider.GetRequiredService<ReminderRunService>();
        var startWorkingSet = Environment.WorkingSet;
        var wall = Stopwatch.StartNew();
        var summaries = await runs.RunDueClinicsAsync(RunJob.DailyReminders);
        wall.Stop();

        var sent = summaries.Sum(s => s.Sent);
        var floor = readFloor.Elapsed + sendFloor;
        var ratio = wall.Elapsed / floor;
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"emails sent: {sent:N0} (expected {expectedReminders:N0}); clinics: {summaries.Count}; failed clinics: {summaries.Count(s => s.Error is not null)}");
        Console.WriteLine($"storage read floor: {readFloor.Elapsed.TotalSeconds:F2} s ({rows:N0} rows); send floor: {sendFloor.TotalSeconds:F2} s ({expectedReminders:N0} x {sendLatency.TotalMilliseconds} ms / {sendConcurrency})");
        Console.WriteLine($"ledger write floor: {ledgerFloor.TotalSeconds:F2} s ({expectedReminders:N0} messages x 2 rows: insert, replace to Sending, replace to Sent; 32 at once)");
        Console.WriteLine($"daily run wall time: {wall.Elapsed.TotalSeconds:F2} s; floor {floor.TotalSeconds:F2} s; ratio {ratio:F2} (target <= 1.25); with the ledger writes added to the floor: {wall.Elapsed / (floor + ledgerFloor):F2}");
        Console.WriteLine($"working set at start {startWorkingSet / (1024 * 1024)} MiB, peak {self.PeakWorkingSet64 / (1024 * 1024)} MiB");
        return sent == expectedReminders && summaries.All(s => s.Error is null) ? 0 : 1;
    }

    /// <summary>The ledger writes of <paramref name="messages"/> messages of two rows each, bare SDK calls, 32 messages at once.</summary>
    private static async Task<TimeSpan> LedgerWritesAsync(Azure.Data.Tables.TableServiceClient bare, string tableName, int messages, int clinicCount)
    {
        var table = bare.GetTableClient(tableName);
        await table.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (m, ct) =>
        {
            var pk = $"clinic-{m % clinicCount:D3}";
            var rows = new[] { $"P|E{m:D5}|2026-11-18", $"R|E{m:D5}|BLS|2026-12-18|30" };
            var etags = new Azure.ETag[rows.Length];
            for (var i = 0; i < rows.Length; i++)
            {
                var claim = new Azure.Data.Tables.TableEntity(pk, rows[i].Replace('|', '_')) { ["State"] = "Pending", ["RunId"] = "run-floor", ["Attempts"] = 1 };
                etags[i] = (await table.AddEntityAsync(claim, ct)).Headers.ETag!.Value;
            }

            foreach (var state in States)
            {
                await Task.WhenAll(rows.Select(async (row, i) =>
                {
                    var next = new Azure.Data.Tables.TableEntity(pk, row.Replace('|', '_')) { ["State"] = state, ["RunId"] = "run-floor", ["Attempts"] = 1 };
                    etags[i] = (await table.UpdateEntityAsync(next, etags[i], Azure.Data.Tables.TableUpdateMode.Replace, ct)).Headers.ETag!.Value;
                }));
            }
        });
        clock.Stop();
        await table.DeleteAsync();
        return clock.Elapsed;
    }

    /// <summary>The floor: a bare SDK paged read (default options, no mapping) of each partition the run reads.</summary>
    private static async Task<int> ReadEverythingAsync(Azure.Data.Tables.TableServiceClient bare, StorageTables tables, int clinicCount)
    {
        var total = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, clinicCount), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, ct) =>
        {
            var pk = $"clinic-{c:D3}";
            var n = await BareSdkTable.CountPartitionAsync(bare.GetTableClient(tables.Staff.Name), pk, ct)
                + await BareSdkTable.CountPartitionAsync(bare.GetTableClient(tables.CredentialRecords.Name), pk, ct)
                + await BareSdkTable.CountPartitionAsync(bare.GetTableClient(tables.ReminderLedger.Name), pk, ct);
            Interlocked.Add(ref total, n);
        });
        return total;
    }
}

/// <summary>Tiny argument parsing shared by the benchmarks.</summary>
internal static class BenchArgs
{
    public static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
