using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using ComplianceBot.Application;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Email;
using ComplianceBot.Storage;
using ComplianceBot.Storage.Queues;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Storage.Tables;
using ComplianceBot.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Bench;

/// <summary>
/// The fan-out daily run for a practice group (default 1,000 clinics, 50,000 staff, 250,000 records) on Azurite,
/// every clinic due at once: one queue message per clinic, run by 1, 2 and 4 local-host processes listening on the
/// queue (as that many Functions instances would), each with its own SendGrid concurrency of 8 against a fake
/// answering in 50 ms. Each configuration starts from the same state (ledger, watermarks and audit emptied, the
/// queues cleared) and is compared with a floor measured in the same run: a bare paged read of every partition the
/// runs read, the queue's own work done bare (send, receive, delete each message), and the sends at the consumers'
/// SendGrid concurrency. The same runs inline in one process (the pre-queue timer loop) are reported beside them.
/// With <c>--faults</c>: one clinic whose data makes its run throw (retried, then set aside; the others sent); the
/// consumers killed mid-run (restart, then hourly timers until every clinic is done; nothing sent twice); Azurite
/// paused for 30 seconds mid-run (nothing lost, nothing sent twice).
/// </summary>
internal static class QueueRunBenchmark
{
    private const int SendConcurrency = 8;

    public static async Task<int> RunAsync(string[] args)
    {
        var clinicCount = BenchArgs.Option(args, "--clinics", 1000);
        var staffPerClinic = BenchArgs.Option(args, "--staff", 50);
        var sendLatency = TimeSpan.FromMilliseconds(BenchArgs.Option(args, "--send-ms", 50));
        var consumerCounts = (args.SkipWhile(a => a != "--consumers").Skip(1).FirstOrDefault() ?? "1,2,4").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
        var faults = args.Contains("--faults");
        var inline = !args.Contains("--no-inline");

        // Every clinic in UTC with its send hour now, open every day: all due at once, today's local date is the UTC date.
        var now = TimeProvider.System.GetUtcNow();
        if (now.Hour == 23 && now.Minute > 30) throw new InvalidOperationException("Start the benchmark outside 23:30-24:00 UTC: a run must not cross midnight.");
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        Console.WriteLine($"queue benchmark: {clinicCount:N0} clinics x {staffPerClinic} staff x 5 records, all due at {now:HH:mm} UTC; SendGrid fake answers in {sendLatency.TotalMilliseconds} ms; {Environment.ProcessorCount} cores");

        using var azurite = new AzuriteFixture();
        var prefix = "benchqueue";
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = prefix,
            ["ClinicRunQueue"] = "bench-runs",
            ["Email:FromAddress"] = "compliance@bench.example",

            // Azurite on two shared cores answers a partition read of a 250,000-row table in seconds under load: a
            // longer attempt, fewer retries (worst case 92 s, within the 2-minute bound the options enforce).
            ["Storage:AttemptTimeout"] = "00:00:30",
            ["Storage:MaxRetries"] = "2",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddComplianceBotApplication(configuration)
            .AddStorageServices(configuration)
            .AddEmailServices(configuration)
            .BuildServiceProvider();
        await provider.EnsureTablesAsync();
        var tables = provider.GetRequiredService<StorageTables>();
        var queue = provider.GetRequiredService<StorageQueuedRuns>();
        await queue.EnsureCreatedAsync();

        var load = Stopwatch.StartNew();
        var expected = await LoadAsync(provider, clinicCount, staffPerClinic, now.Hour, today);
        Console.WriteLine($"loaded {clinicCount:N0} clinics, {clinicCount * staffPerClinic:N0} staff (and their index rows) and {clinicCount * staffPerClinic * 5:N0} records in {load.Elapsed.TotalSeconds:F1} s (seeded in batches, read back for 3 clinics and the whole index); {expected:N0} reminders due today");

        // Floors, measured now, on the same Azurite.
        var bare = new TableServiceClient(azurite.ConnectionString);
        await ReadEverythingAsync(bare, tables, clinicCount); // warm-up
        var readClock = Stopwatch.StartNew();
        var rows = await ReadEverythingAsync(bare, tables, clinicCount);
        var readFloor = readClock.Elapsed;
        var queueFloor = await QueueFloorAsync(azurite.ConnectionString, clinicCount);
        Console.WriteLine($"floors: storage read {readFloor.TotalSeconds:F2} s ({rows:N0} rows, 4 partitions at once); queue {queueFloor.TotalSeconds:F2} s ({clinicCount:N0} messages sent, received and deleted, bare); send {expected:N0} x {sendLatency.TotalMilliseconds} ms / (8 x consumers)");

        var app = AppProcess.AppPath("ComplianceBot.LocalHost");
        var ok = true;
        var results = new List<string>();
        foreach (var consumers in consumerCounts)
        {
            await ResetAsync(provider, tables, queue, clinicCount, today);
            await using var sendGrid = await StartSendGridAsync(sendLatency);

            // The timer's part, then the consumers: started after the messages are there (timed from the moment they
            // answer), so an idle listener's backoff towards maxPollingInterval (10 s) is not counted.
            var enqueue = Stopwatch.StartNew();
            await EnqueueDueAsync(provider);
            enqueue.Stop();
            var started = Stopwatch.StartNew();
            var processes = await StartConsumersAsync(app, consumers, settings, sendGrid, extra: null);
            var startup = started.Elapsed;
            try
            {
                var wall = Stopwatch.StartNew();
                await WaitUntilEmptyAsync(queue, TimeSpan.FromMinutes(30));
                wall.Stop();
                var (sent, duplicates) = Count(sendGrid);
                var sendFloor = TimeSpan.FromTicks(sendLatency.Ticks * expected / (SendConcurrency * consumers));
                var floor = readFloor + queueFloor + sendFloor;
                var peaks = processes.Select(p => p.PeakMemoryMiB).ToList();
                var cpu = processes.Sum(p => p.CpuMs) / 1000.0;
                var line = $"{consumers} consumer(s): {wall.Elapsed.TotalSeconds:F1} s (after {startup.TotalSeconds:F1} s of process start-up; the timer queued {clinicCount:N0} messages in {enqueue.Elapsed.TotalSeconds:F1} s); floor {floor.TotalSeconds:F1} s (read {readFloor.TotalSeconds:F1} + queue {queueFloor.TotalSeconds:F1} + send {sendFloor.TotalSeconds:F1}); ratio {wall.Elapsed / floor:F2}; emails {sent:N0} of {expected:N0}, {duplicates} twice; peak memory per consumer {string.Join(", ", peaks)} MiB; consumers' CPU {cpu:F1} s";
                Console.WriteLine(line);
                results.Add(line);
                ok &= sent == expected && duplicates == 0;
            }
            finally
            {
                foreach (var p in processes) p.Dispose();
            }
        }

        if (inline)
        {
            // The pre-queue shape: one process loops over every due clinic, 4 at once (Reminders:ClinicConcurrency).
            await ResetAsync(provider, tables, queue, clinicCount, today);
            await using var sendGrid = await StartSendGridAsync(sendLatency);
            var inlineSettings = new Dictionary<string, string?>(settings) { ["SendGrid:ApiKey"] = "SG.benchmark-key", ["SendGrid:BaseUrl"] = sendGrid.BaseUrl.ToString() };
            var inlineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(inlineSettings).Build();
            await using var inlineProvider = new ServiceCollection().AddLogging().AddComplianceBotApplication(inlineConfiguration).AddStorageServices(inlineConfiguration).AddEmailServices(inlineConfiguration).BuildServiceProvider();
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var summaries = await inlineProvider.GetRequiredService<ReminderRunService>().RunDueClinicsAsync(RunJob.DailyReminders);
            wall.Stop();
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            var (sent, duplicates) = Count(sendGrid);
            var floor = readFloor + TimeSpan.FromTicks(sendLatency.Ticks * expected / SendConcurrency);
            var line = $"inline (one process, no queue): {wall.Elapsed.TotalSeconds:F1} s; floor {floor.TotalSeconds:F1} s; ratio {wall.Elapsed / floor:F2}; emails {sent:N0}, {duplicates} twice; failed clinics {summaries.Count(s => s.Error is not null)}; CPU {cpu:F1} s (this process, fake SendGrid included)";
            Console.WriteLine(line);
            results.Add(line);
        }

        if (faults)
        {
            ok &= await PoisonRunAsync(provider, tables, queue, clinicCount, today, app, settings, sendLatency, expected, staffPerClinic, results);
            ok &= await KillRunAsync(provider, tables, queue, clinicCount, today, app, settings, sendLatency, expected, results);
            ok &= await PausedStorageRunAsync(provider, tables, queue, clinicCount, today, app, settings, sendLatency, expected, azurite, results);
        }

        Console.WriteLine();
        Console.WriteLine("summary:");
        foreach (var line in results) Console.WriteLine("  " + line);
        return ok ? 0 : 1;
    }

    /// <summary>One clinic's stored staff row names a role that does not exist: every attempt of its run throws.</summary>
    private static async Task<bool> PoisonRunAsync(ServiceProvider provider, StorageTables tables, StorageQueuedRuns queue, int clinicCount, DateOnly today, string app, Dictionary<string, string?> settings, TimeSpan sendLatency, int expected, int staffPerClinic, List<string> results)
    {
        await ResetAsync(provider, tables, queue, clinicCount, today);
        var broken = $"clinic-{clinicCount / 2:D4}";
        var row = await FirstStaffRowAsync(tables, broken);
        row["Role"] = "Astronaut";
        await tables.Staff.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge);
        var brokenReminders = Enumerable.Range(0, staffPerClinic).Count(i => i % 5 == 0);

        await using var sendGrid = await StartSendGridAsync(sendLatency);

        // Retries 5 s apart instead of host.json's minute, so the five attempts fit in the benchmark.
        var processes = await StartConsumersAsync(app, 2, settings, sendGrid, new() { ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:05" });
        try
        {
            var wall = Stopwatch.StartNew();
            await EnqueueDueAsync(provider);
            await WaitUntilEmptyAsync(queue, TimeSpan.FromMinutes(30));
            wall.Stop();
            var (sent, duplicates) = Count(sendGrid);
            var setAside = await queue.ListSetAsideAsync();
            var poisoned = setAside.Oldest.Select(r => r.Run?.ClinicId).ToList();
            var pass = sent == expected - brokenReminders && duplicates == 0 && poisoned.SequenceEqual([broken]);
            var line = $"fault, one clinic's run throws ({broken}, 2 consumers, retries 5 s apart): {wall.Elapsed.TotalSeconds:F1} s; set aside: {string.Join(", ", poisoned)} after 5 attempts; emails {sent:N0} of the other {clinicCount - 1:N0} clinics' {expected - brokenReminders:N0}, {duplicates} twice -> {(pass ? "ok" : "FAILED")}";
            Console.WriteLine(line);
            results.Add(line);

            row["Role"] = nameof(StaffRole.MedicalAssistant);
            await tables.Staff.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge);
            return pass;
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
        }
    }

    /// <summary>Both consumers killed (SIGKILL) with part of the day sent; restarted; hourly timers until every clinic is done.</summary>
    private static async Task<bool> KillRunAsync(ServiceProvider provider, StorageTables tables, StorageQueuedRuns queue, int clinicCount, DateOnly today, string app, Dictionary<string, string?> settings, TimeSpan sendLatency, int expected, List<string> results)
    {
        await ResetAsync(provider, tables, queue, clinicCount, today);
        await using var sendGrid = await StartSendGridAsync(sendLatency);
        var processes = await StartConsumersAsync(app, 2, settings, sendGrid, Leases(LongClaimLease));
        var wall = Stopwatch.StartNew();
        await EnqueueDueAsync(provider);
        await WaitForEmailsAsync(sendGrid, expected * 4 / 10);
        foreach (var p in processes) p.Dispose(); // Process.Kill: SIGKILL, no shutdown
        var atKill = sendGrid.Requests.Count;

        processes = await StartConsumersAsync(app, 2, settings, sendGrid, Leases(LongClaimLease));
        try
        {
            var timers = await FinishDayAsync(provider, queue, clinicCount, today, async () =>
            {
                foreach (var p in processes) p.Dispose();
                processes = await StartConsumersAsync(app, 2, settings, sendGrid, Leases(ShortClaimLease));
            });
            wall.Stop();
            return await ReportFaultAsync(provider, sendGrid, clinicCount, expected, timers, wall.Elapsed, results, $"fault, consumers killed at {atKill:N0} of {expected:N0} emails: restarted,", "(sending at the kill: never resent, reported)");
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
        }
    }

    /// <summary>Azurite paused (SIGSTOP) for 30 s with part of the day sent: storage hangs, then answers again.</summary>
    private static async Task<bool> PausedStorageRunAsync(ServiceProvider provider, StorageTables tables, StorageQueuedRuns queue, int clinicCount, DateOnly today, string app, Dictionary<string, string?> settings, TimeSpan sendLatency, int expected, AzuriteFixture azurite, List<string> results)
    {
        await ResetAsync(provider, tables, queue, clinicCount, today);
        await using var sendGrid = await StartSendGridAsync(sendLatency);
        var processes = await StartConsumersAsync(app, 2, settings, sendGrid, Leases(LongClaimLease));
        try
        {
            var wall = Stopwatch.StartNew();
            await EnqueueDueAsync(provider);
            await WaitForEmailsAsync(sendGrid, expected * 3 / 10);
            var atPause = sendGrid.Requests.Count;
            Signal("STOP", azurite.ProcessId);
            await Task.Delay(TimeSpan.FromSeconds(30));
            var duringPause = sendGrid.Requests.Count - atPause;
            Signal("CONT", azurite.ProcessId);
            var timers = await FinishDayAsync(provider, queue, clinicCount, today, async () =>
            {
                foreach (var p in processes) p.Dispose();
                processes = await StartConsumersAsync(app, 2, settings, sendGrid, Leases(ShortClaimLease));
            });
            wall.Stop();
            return await ReportFaultAsync(provider, sendGrid, clinicCount, expected, timers, wall.Elapsed, results, $"fault, Azurite paused 30 s at {atPause:N0} of {expected:N0} emails ({duringPause} sent while paused):", string.Empty);
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
        }
    }

    // Claim leases are long while a run may be alive (a slow live run's claims must not be taken over, as a short
    // lease throughout allowed under load; QueueKillTests does the same), short only for the timers that finish the
    // day once the queue is empty, so the claims of the killed runs come back within the benchmark.
    private static readonly TimeSpan LongClaimLease = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ShortClaimLease = TimeSpan.FromSeconds(20);

    /// <summary>A killed or stalled consumer's queue messages come back after 20 s; its ledger claims after <paramref name="claimLease"/>.</summary>
    private static Dictionary<string, string> Leases(TimeSpan claimLease) => new()
    {
        ["LocalHost__QueueMessageLease"] = "00:00:20",
        ["Reminders__ClaimLease"] = claimLease.ToString("c", CultureInfo.InvariantCulture),
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:05",
    };

    /// <summary>
    /// Waits for the queue to empty, then fires the timer again (as the next hour would, once the claims of stopped
    /// runs are past their lease) until every clinic's watermark says today is done; answers the extra timer runs,
    /// or -1 when five were not enough. Before the first extra timer, with the queue empty and so no run alive,
    /// <paramref name="restartWithShortClaimLeases"/> swaps the consumers for ones that take over stale claims.
    /// </summary>
    /// <summary>Counts a fault run's emails and Unknown messages, prints and keeps its line, and answers whether nothing was sent twice or lost.</summary>
    private static async Task<bool> ReportFaultAsync(ServiceProvider provider, FakeSendGridServer sendGrid, int clinicCount, int expected, int timers, TimeSpan elapsed, List<string> results, string what, string unknownNote)
    {
        var (sent, duplicates) = Count(sendGrid);
        var unknown = await CountUnknownMessagesAsync(provider, clinicCount);
        var pass = duplicates == 0 && timers >= 0 && sent + unknown >= expected;
        var note = unknownNote.Length == 0 ? string.Empty : " " + unknownNote;
        var line = $"{what} every clinic done after {timers} more timer run(s) in {elapsed.TotalSeconds:F1} s; emails {sent:N0}, {duplicates} twice; {unknown} message(s) Unknown{note} -> {(pass ? "ok" : "FAILED")}";
        Console.WriteLine(line);
        results.Add(line);
        return pass;
    }

    private static async Task<int> FinishDayAsync(ServiceProvider provider, StorageQueuedRuns queue, int clinicCount, DateOnly today, Func<Task> restartWithShortClaimLeases)
    {
        await WaitUntilEmptyAsync(queue, TimeSpan.FromMinutes(30));
        var watermarks = provider.GetRequiredService<IRunWatermarkStore>();
        for (var timers = 0; timers <= 5; timers++)
        {
            var open = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, clinicCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, ct) =>
            {
                if (await watermarks.GetAsync($"clinic-{c:D4}", nameof(RunJob.DailyReminders), ct) != today) Interlocked.Increment(ref open);
            });
            if (open == 0) return timers;
            if (timers == 0) await restartWithShortClaimLeases();
            Console.WriteLine($"  {open} clinic(s) not done yet; the next timer in 25 s (claims of stopped runs last 20 s for the consumers now)");
            await Task.Delay(TimeSpan.FromSeconds(25));
            await EnqueueDueAsync(provider);
            await WaitUntilEmptyAsync(queue, TimeSpan.FromMinutes(30));
        }

        return -1;
    }

    private static async Task WaitForEmailsAsync(FakeSendGridServer sendGrid, int count)
    {
        var clock = Stopwatch.StartNew();
        while (sendGrid.Requests.Count < count)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"only {sendGrid.Requests.Count} of the {count} emails to wait for arrived in 10 minutes");
            await Task.Delay(20);
        }
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]) ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {pid} failed");
    }

    private static async Task<FakeSendGridServer> StartSendGridAsync(TimeSpan latency)
    {
        var sendGrid = await FakeSendGridServer.StartAsync();
        sendGrid.AlwaysAccept(latency);
        sendGrid.RecordRequests = true; // the recipients are counted: nothing may be sent twice
        return sendGrid;
    }

    private static async Task<List<AppProcess>> StartConsumersAsync(string app, int consumers, Dictionary<string, string?> settings, FakeSendGridServer sendGrid, Dictionary<string, string>? extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = settings["Storage:ConnectionString"]!,
            ["Storage__TablePrefix"] = settings["Storage:TablePrefix"]!,
            ["Storage__AttemptTimeout"] = settings["Storage:AttemptTimeout"]!,
            ["Storage__MaxRetries"] = settings["Storage:MaxRetries"]!,
            ["ClinicRunQueue"] = settings["ClinicRunQueue"]!,
            ["Email__FromAddress"] = settings["Email:FromAddress"]!,
            ["SendGrid__ApiKey"] = "SG.benchmark-key",
            ["SendGrid__BaseUrl"] = sendGrid.BaseUrl.ToString(),
            ["SendGrid__MaxConcurrency"] = SendConcurrency.ToString(CultureInfo.InvariantCulture),
            ["LocalHost__RunTimers"] = "false",
            ["LocalHost__ProcessQueues"] = "true",
        };
        foreach (var (k, v) in extra ?? []) environment[k] = v;
        return [.. await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => AppProcess.StartAsync(app, environment)))];
    }

    /// <summary>What the hourly timer does: queue one run per due clinic.</summary>
    private static async Task EnqueueDueAsync(ServiceProvider provider)
    {
        var due = await provider.GetRequiredService<ReminderRunService>().DueRunsAsync(RunJob.DailyReminders);
        await provider.GetRequiredService<IQueuedRuns>().EnqueueAsync(due);
    }

    /// <summary>Until no message is left on the queue (each is deleted only once its run finished or it was set aside).</summary>
    private static async Task WaitUntilEmptyAsync(StorageQueuedRuns queue, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while ((await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"the queue still holds messages after {limit}");
            await Task.Delay(100);
        }
    }

    /// <summary>Emails the fake accepted, and how many recipients got more than one.</summary>
    private static (int Sent, int Duplicates) Count(FakeSendGridServer sendGrid)
    {
        var recipients = sendGrid.Requests.Select(r => r.Json?["personalizations"]?[0]?["to"]?[0]?["email"]?.GetValue<string>() ?? "?").ToList();
        return (recipients.Count, recipients.GroupBy(r => r, StringComparer.Ordinal).Count(g => g.Count() > 1));
    }

    /// <summary>Messages whose send may or may not have happened (the run stopped between "Sending" and the answer): reported, never resent.</summary>
    private static async Task<int> CountUnknownMessagesAsync(ServiceProvider provider, int clinicCount)
    {
        var ledger = provider.GetRequiredService<IReminderLedger>();
        var n = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, clinicCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, ct) =>
        {
            var entries = await ledger.ListAsync($"clinic-{c:D4}", ct);
            Interlocked.Add(ref n, entries.Count(e => e.State == LedgerState.Unknown && ReminderPlanner.IsMessageKey(e.Key.Value)));
        });
        return n;
    }

    private static async Task<TableEntity> FirstStaffRowAsync(StorageTables tables, string clinicId)
    {
        await foreach (var row in tables.Staff.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(clinicId)}"), maxPerPage: 1)) return row;
        throw new InvalidOperationException($"no staff in {clinicId}");
    }

    /// <summary>The same starting state for every configuration: no ledger, audit or watermark rows, empty queues, every clinic done up to yesterday.</summary>
    private static async Task ResetAsync(ServiceProvider provider, StorageTables tables, StorageQueuedRuns queue, int clinicCount, DateOnly today)
    {
        foreach (var table in new[] { tables.ReminderLedger, tables.AuditLog, tables.RunWatermarks })
        {
            await table.DeleteAsync();
            await table.CreateIfNotExistsAsync();
        }

        await queue.Queue.ClearMessagesAsync();
        await queue.Poison.ClearMessagesAsync();
        var watermarks = provider.GetRequiredService<IRunWatermarkStore>();
        await Parallel.ForEachAsync(Enumerable.Range(0, clinicCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, ct) =>
            await watermarks.AdvanceAsync($"clinic-{c:D4}", nameof(RunJob.DailyReminders), today.AddDays(-1), ct));
    }

    /// <summary>One in five people has a BLS card crossing its 30-day threshold today; everything else is current. Answers the reminders due.</summary>
    /// <summary>
    /// Seeds the group straight into the tables (<see cref="TableSeeder"/>), then reads a sample of clinics back
    /// through the app's stores, so a row shape the app cannot read fails here rather than as a slow or empty run.
    /// Answers the number of reminders due today.
    /// </summary>
    private static async Task<int> LoadAsync(ServiceProvider provider, int clinicCount, int staffPerClinic, int sendHour, DateOnly today)
    {
        var everyDay = Enum.GetValues<DayOfWeek>().ToHashSet();
        SeedClinic Build(int c)
        {
            var clinic = new Clinic($"clinic-{c:D4}", $"Clinic {c}", "Etc/UTC", "TX", [$"manager{c}@bench.example"], sendHour, everyDay);
            var staff = Enumerable.Range(0, staffPerClinic)
                .Select(i => new StaffMember($"E{c:D4}-{i:D3}", "Pat", $"Lee{i}", $"e{c}-{i}@bench.example", clinic.Id, StaffRole.MedicalAssistant, new DateOnly(2020, 1, 6), "TX", null, true))
                .ToList();
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
            return new SeedClinic(clinic, staff, records);
        }

        await TableSeeder.SeedAsync(provider.GetRequiredService<StorageTables>(), Enumerable.Range(0, clinicCount).Select(Build));

        var clinics = provider.GetRequiredService<IClinicStore>();
        var staffStore = provider.GetRequiredService<IStaffStore>();
        var recordStore = provider.GetRequiredService<ICredentialRecordStore>();
        foreach (var c in new[] { 0, clinicCount / 2, clinicCount - 1 }.Distinct())
        {
            var seed = Build(c);
            var problems = new List<string>();
            if (await clinics.GetAsync(seed.Clinic.Id) is not { } clinic || clinic.Id != seed.Clinic.Id || clinic.SendHour != sendHour || !clinic.BusinessDays.SetEquals(everyDay)) problems.Add("clinic");
            if (!(await staffStore.ListByClinicAsync(seed.Clinic.Id)).OrderBy(s => s.EmployeeId, StringComparer.Ordinal).SequenceEqual(seed.Staff)) problems.Add("staff");
            if ((await recordStore.ListByClinicAsync(seed.Clinic.Id)).Count != seed.Records.Count) problems.Add("records");
            if (await staffStore.GetAsync(seed.Staff[^1].EmployeeId) is not { } person || person.ClinicId != seed.Clinic.Id) problems.Add("employee index");
            if (problems.Count > 0) throw new InvalidOperationException($"The seeded {seed.Clinic.Id} does not read back through the app's stores: {string.Join(", ", problems)}.");
        }

        var indexed = (await staffStore.ClinicsByEmployeeAsync()).Count;
        if (indexed != clinicCount * staffPerClinic) throw new InvalidOperationException($"The employee index holds {indexed:N0} people; {clinicCount * staffPerClinic:N0} were seeded.");
        return clinicCount * Enumerable.Range(0, staffPerClinic).Count(i => i % 5 == 0);
    }

    /// <summary>The queue's own work, bare: send, receive (32 at a time) and delete one message per clinic, on a queue of its own.</summary>
    private static async Task<TimeSpan> QueueFloorAsync(string connectionString, int messages)
    {
        var floor = new QueueClient(connectionString, "bench-floor");
        await floor.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (m, ct) =>
            await floor.SendMessageAsync($"{{\"clinicId\":\"clinic-{m:D4}\",\"job\":\"DailyReminders\",\"localDate\":\"2026-11-18\"}}", ct));
        var left = messages;
        while (left > 0)
        {
            var batch = (await floor.ReceiveMessagesAsync(32)).Value;
            await Task.WhenAll(batch.Select(m => floor.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
            left -= batch.Length;
        }

        clock.Stop();
        await floor.DeleteAsync();
        return clock.Elapsed;
    }

    /// <summary>A bare SDK paged read of each partition the runs read (staff, records, ledger), 4 clinics at a time.</summary>
    private static async Task<int> ReadEverythingAsync(TableServiceClient bare, StorageTables tables, int clinicCount)
    {
        var total = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, clinicCount), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, ct) =>
        {
            var pk = $"clinic-{c:D4}";
            var n = await BareSdkTable.CountPartitionAsync(bare.GetTableClient(tables.Staff.Name), pk, ct)
                + await BareSdkTable.CountPartitionAsync(bare.GetTableClient(tables.CredentialRecords.Name), pk, ct)
                + await BareSdkTable.CountPartitionAsync(bare.GetTableClient(tables.ReminderLedger.Name), pk, ct);
            Interlocked.Add(ref total, n);
        });
        return total;
    }
}
