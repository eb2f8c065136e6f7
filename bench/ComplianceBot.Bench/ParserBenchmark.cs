using System.Diagnostics;
using System.Globalization;
using System.Text;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Files;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Bench;

/// <summary>
/// The worst 10 MB files an HR key can send, through <see cref="TabularReader"/> and an <see cref="ImportService"/>
/// dry run in this process (in-memory stores): the managed heap's peak growth over the idle heap, against a
/// normal 10 MB roster measured in the same run (printed for comparison). Each worst file must grow the heap by less than 2 × the cap; exit 1 otherwise.
/// </summary>
internal static class ParserBenchmark
{
    private const int Cap = 10 * 1024 * 1024;
    private const string Header = "employee_id,first_name,last_name,email,clinic_id,role";

    public static async Task<int> RunAsync(string[] args)
    {
        _ = args;
        var files = new List<(string Name, byte[] Body)>
        {
            ("normal roster (baseline)", Roster()),
            ("one row of 10,000,000 commas", Encoding.UTF8.GetBytes(new string(',', Cap))),
            ("1,000,000-column header", Encoding.UTF8.GetBytes(string.Join(",", Enumerable.Range(0, 1_000_000).Select(i => string.Create(CultureInfo.InvariantCulture, $"c{i}"))))),
            ("one 10 MB cell", Encoding.UTF8.GetBytes(Header + "\r\ne1," + new string('x', Cap - Header.Length - 40) + ",Lee,a@b.org,clinic-a,nurse")),
            ("header-less columns (194 per row)", HeaderlessColumns()),
        };

        var failed = false;
        long? baseline = null;
        Console.WriteLine("| File | Time | Heap peak growth | Allocated | Answer |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, body) in files)
        {
            var (elapsed, growth, allocated, answer) = await MeasureAsync(body);
            var isBaseline = baseline is null;
            baseline ??= growth;
            var ok = isBaseline || growth < 2L * Cap;
            failed |= !ok;
            Console.WriteLine($"| {name} ({body.Length / 1048576.0:0.0} MB) | {elapsed.TotalSeconds:0.00} s | {growth / 1048576.0:0.0} MiB{(ok ? "" : " (over 2 × cap)")} | {allocated / 1048576.0:0} MiB | {answer} |");
        }

        Console.WriteLine($"baseline growth {baseline / 1048576.0:0.0} MiB; target: every worst file < {2 * Cap / 1048576} MiB (2 × the 10 MB cap)");
        return failed ? 1 : 0;
    }

    private static async Task<(TimeSpan Elapsed, long Growth, long Allocated, string Answer)> MeasureAsync(byte[] body)
    {
        var clinics = new InMemoryClinicStore();
        await clinics.UpsertAsync(new Clinic("clinic-a", "Clinic A", "America/Chicago", "IL", ["mgr@example.org"], 8, Clinic.MondayToFriday));
        var service = new ImportService(clinics, new InMemoryStaffStore(), new InMemoryCredentialRecordStore(), new InMemoryAuditLog(), CredentialCatalog.Default, new ManualTimeProvider(DateTimeOffset.UtcNow));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var idle = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var peak = idle;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(1).ConfigureAwait(false);
            }
        });

        var clock = Stopwatch.StartNew();
        string answer;
        try
        {
            var result = await service.ImportRosterAsync(TabularReader.ReadAsync(new MemoryStream(body), TabularFormat.Csv), new ImportRequest("bench", DryRun: true));
            answer = $"accepted {result.Accepted:N0}, rejected {result.RejectedCount:N0}, warnings {result.WarningCount:N0}";
        }
        catch (UnreadableImportException ex)
        {
            answer = "unreadable: " + ex.Message[..Math.Min(60, ex.Message.Length)] + "…";
        }

        clock.Stop();
        peak = Math.Max(peak, GC.GetTotalMemory(false));
        await done.CancelAsync();
        await sampler;
        return (clock.Elapsed, peak - idle, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, answer);
    }

    private static byte[] Roster()
    {
        var text = new StringBuilder(Header).Append("\r\n");
        for (var i = 0; text.Length < Cap - 100; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"e{i:D7},Patricia,Lee-Morgan,patricia.lee{i}@example.org,clinic-a,medical_assistant\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] HeaderlessColumns()
    {
        var blanks = TabularReader.MaxColumns - 6;
        var text = new StringBuilder(Header).Append(',', blanks).Append("\r\n");
        for (var i = 0; text.Length < Cap - 1000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"e{i:D7},Pat,Lee,e{i}@example.org,clinic-a,nurse");
            for (var c = 0; c < blanks; c++) text.Append(",v");
            text.Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
