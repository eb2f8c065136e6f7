using System.Collections.Concurrent;
using System.CommandLine;
using ComplianceBot.Files;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ComplianceBot.Application.Import;
using ComplianceBot.Cli.LocalDev;
using ComplianceBot.Cli.Samples;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ComplianceBot.Cli;

/// <summary>
/// The README's first command: Azurite in memory, the sample practice loaded, today's reminders
/// and digest written to an outbox as .eml files, a summary, then the HTTP API on
/// http://127.0.0.1:7071 with a dev API key until Ctrl+C.
/// </summary>
public static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var once = new Option<bool>("--once") { Description = "Run the jobs, print the summary and exit (for scripts)" };
        var port = new Option<int>("--port") { Description = "Port of the HTTP API", DefaultValueFactory = _ => 7071 };
        var outbox = new Option<DirectoryInfo?>("--outbox") { Description = "Folder for the .eml files (default: ./outbox in the repository)" };
        var command = new Command("demo", "Run the whole product locally on sample data: Azurite, reminders, digest, outbox, API") { once, port, outbox };
        command.SetAction(async (parse, ct) => await RunAsync(context, parse.GetValue(once), parse.GetValue(port), parse.GetValue(outbox), ct));
        return command;
    }

    /// <summary>
    /// The first run's install of Azurite, out loud: what is about to happen and how long it takes, a
    /// spinner with the seconds so far, npm's own lines as they come, and a line when it is done. Does
    /// nothing when node_modules already holds the install.
    /// </summary>
    /// <param name="npm">The install command; null for <c>npm ci</c> in <paramref name="repoRoot"/> (tests give a stand-in).</param>
    public static async Task InstallStorageEmulatorAsync(IAnsiConsole console, string repoRoot, ProcessStartInfo? npm, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (AzuriteProcess.IsWholeInstall(repoRoot)) return;
        console.MarkupLine("Installing the storage emulator (Azurite) with [bold]npm ci[/]; the first time takes about 2 minutes. Later runs skip this.");
        var lines = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        var install = Task.Run(() => AzuriteProcess.EnsureInstalled(repoRoot, lines.Enqueue, npm), CancellationToken.None);
        void Flush()
        {
            while (lines.TryDequeue(out var line)) console.MarkupLine($"[grey]npm: {Markup.Escape(line)}[/]");
        }

        await console.Status().StartAsync("Installing Azurite with npm ci ...", async status =>
        {
            while (!install.IsCompleted)
            {
                await Task.WhenAny(install, Task.Delay(TimeSpan.FromSeconds(1), ct));
                ct.ThrowIfCancellationRequested();
                Flush();
                status.Status($"Installing Azurite with npm ci ... {clock.Elapsed.TotalSeconds:0} s");
            }
        });
        Flush();
        await install; // a failure says what to install
        console.MarkupLine($"The storage emulator is installed ({clock.Elapsed.TotalSeconds:0} s).");
    }

    private static async Task<int> RunAsync(CliContext context, bool once, int port, DirectoryInfo? outboxDir, CancellationToken ct)
    {
        var console = context.Console;
        var repoRoot = AzuriteProcess.FindRepoRoot();
        var outbox = outboxDir?.FullName ?? Path.Combine(repoRoot, "outbox");
        ClearOutbox(outbox);

        await InstallStorageEmulatorAsync(console, repoRoot, npm: null, ct);
        console.MarkupLine("Starting Azurite (in memory) ...");
        using var azurite = AzuriteProcess.Start(repoRoot);
        // The emulator's key is the published well-known one, so printing the connection string leaks nothing.
        console.WriteLine($"Azurite is listening on 127.0.0.1 (tables :{azurite.TablePort}, blobs :{azurite.BlobPort}, queues :{azurite.QueuePort}); its data lives only as long as the demo.");
        console.WriteLine("To point the CLI (or Azure Storage Explorer) at it from another terminal while the demo runs:");
        // Written past the console's line wrapping, so the line can be copied whole.
        console.Profile.Out.Writer.WriteLine($"  export Storage__ConnectionString='{azurite.ConnectionString}'");
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Email:OutboxPath"] = outbox,
            ["Email:FromAddress"] = "compliancebot@practice.example",
            ["Email:FromName"] = "ComplianceBot",
            ["SendGrid:ApiKey"] = null,

            // A key for this run only: the reminders' "I've renewed" links open the demo's renewal page.
            ["Renewal:SigningKey"] = "demo-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant(),
            ["Renewal:PublicBaseUrl"] = $"http://127.0.0.1:{port}",
        };
        if (context.Overrides is not null)
        {
            foreach (var (k, v) in context.Overrides) settings[k] = v;
        }

        context.Overrides = settings;
        using (var host = await context.StartAsync(ct))
        {
            var services = host.Services;
            var time = services.GetRequiredService<TimeProvider>();
            var clinics = services.GetRequiredService<IClinicStore>();
            foreach (var clinic in SamplePractice.Clinics) await clinics.UpsertAsync(clinic, ct);

            // Each clinic runs on its next local business day, which is not the UTC date (time zones,
            // weekends): generate its records relative to that date so every status shows on it.
            var runDates = SamplePractice.Clinics.ToDictionary(c => c.Id, c => NextBusinessDay(c, ComplianceReportService.Today(c, time)), StringComparer.Ordinal);
            var import = services.GetRequiredService<ImportService>();
            var request = new ImportRequest("demo", DryRun: false, "sample");
            var roster = await import.ImportRosterAsync(Rows(SamplePractice.RosterCsv(id => runDates[id]), ct), request, ct);
            var records = await import.ImportRecordsAsync(Rows(SamplePractice.RecordsCsv(id => runDates[id]), ct), request, ct);
            console.MarkupLine($"Loaded the sample practice: {SamplePractice.Clinics.Count} clinics, {roster.Accepted} staff, {records.Accepted} training records.");

            var runs = services.GetRequiredService<ReminderRunService>();
            var table = new Table().AddColumns("Clinic", "Run date", "Reminders", "Escalations", "Digest to", "Sent", "Skipped", "Failed");
            foreach (var clinic in SamplePractice.Clinics)
            {
                var date = runDates[clinic.Id];
                var plan = (await runs.PreviewAsync(clinic.Id, date, ct))!;
                var daily = await runs.RunClinicAsync(clinic, date, RunJob.DailyReminders, ct);
                var digest = await runs.RunClinicAsync(clinic, date, RunJob.WeeklyDigest, ct);
                table.AddRow(
                    Markup.Escape(clinic.Name),
                    $"{date:ddd yyyy-MM-dd}",
                    plan.Reminders.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    plan.Escalations.Sum(e => e.Items.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) + " item(s)",
                    Markup.Escape(plan.Digest is null ? "-" : string.Join(", ", plan.Digest.ManagerEmails)),
                    (daily.Sent + digest.Sent).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    (daily.Skipped + digest.Skipped).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    (daily.Failed + digest.Failed + daily.Unknown + digest.Unknown).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            console.Write(table);
            var emails = Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0;
            console.MarkupLine($"[bold]{emails}[/] emails written to [bold]{Markup.Escape(outbox)}[/] (open any .eml file in a mail client; index.jsonl lists them).");
        }

        if (once) return ExitCodes.Ok;
        return await ServeApiAsync(context, repoRoot, port, settings, ct);
    }

    private static async Task<int> ServeApiAsync(CliContext context, string repoRoot, int port, Dictionary<string, string?> settings, CancellationToken ct)
    {
        var console = context.Console;
        var dll = LocalHostPath(repoRoot);
        var hrKey = "dev-hr-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var managerKey = "dev-mgr-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            UseShellExecute = false,
            WorkingDirectory = repoRoot,
        };
        foreach (var (key, value) in settings)
        {
            if (value is not null) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Auth__ApiKeys__0__Name"] = "demo-hr";
        start.Environment["Auth__ApiKeys__0__Key"] = hrKey;
        start.Environment["Auth__ApiKeys__0__Role"] = "HR";
        start.Environment["Auth__ApiKeys__1__Name"] = "demo-manager-seattle";
        start.Environment["Auth__ApiKeys__1__Key"] = managerKey;
        start.Environment["Auth__ApiKeys__1__Role"] = "Manager";
        start.Environment["Auth__ApiKeys__1__Clinics"] = "seattle-north";
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        using var api = Process.Start(start) ?? throw new InvalidOperationException("Could not start the Functions app.");
        using var http = new HttpClient();
        var ready = false;
        for (var i = 0; i < 100 && !ready && !api.HasExited; i++)
        {
            try
            {
                ready = (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"), ct)).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200, ct);
            }
        }

        if (!ready)
        {
            await context.Stderr.WriteLineAsync($"The HTTP API did not start on port {port}. Is the port in use? Try --port 7072.");
            if (!api.HasExited) api.Kill(entireProcessTree: true);
            return ExitCodes.UsageOrConfiguration;
        }

        console.WriteLine();
        console.MarkupLine($"HTTP API on [bold]http://127.0.0.1:{port}/api[/]  web page: [bold]http://127.0.0.1:{port}/api/app/[/]");
        console.MarkupLine($"HR API key:      [bold]{hrKey}[/]");
        console.MarkupLine($"Manager API key: [bold]{managerKey}[/] (Northgate, Seattle only)");
        console.MarkupLine($"Try: curl -H 'X-Api-Key: {hrKey}' http://127.0.0.1:{port}/api/clinics/seattle-north/compliance");
        console.MarkupLine("Press Ctrl+C to stop (Azurite stops too).");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler handler = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += handler;
        try
        {
            await api.WaitForExitAsync(stop.Token);
            return api.ExitCode == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= handler;
            if (!api.HasExited) api.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The local host of the Functions app, built next to this CLI (same configuration: Debug or Release).</summary>
    private static string LocalHostPath(string repoRoot)
    {
        // This CLI runs from .../bin/<Configuration>/net10.0/; the app is built next to it in the same configuration.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";
        var dll = Path.Combine(repoRoot, "src", "ComplianceBot.LocalHost", "bin", configuration, "net10.0", "ComplianceBot.LocalHost.dll");
        return File.Exists(dll)
            ? dll
            : throw new UsageException($"The local host of the Functions app is not built ({dll}). Run: dotnet build src/ComplianceBot.LocalHost");
    }

    private static DateOnly NextBusinessDay(Clinic clinic, DateOnly date)
    {
        while (!clinic.IsBusinessDay(date)) date = date.AddDays(1);
        return date;
    }

    private static IAsyncEnumerable<RawRow> Rows(string csv, CancellationToken ct) =>
        TabularReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), TabularFormat.Csv, ct);

    private static void ClearOutbox(string outbox)
    {
        if (!Directory.Exists(outbox)) return;
        foreach (var file in Directory.EnumerateFiles(outbox).Where(f => f.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(f) == "index.jsonl"))
        {
            File.Delete(file);
        }
    }
}
