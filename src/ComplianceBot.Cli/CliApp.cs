using ComplianceBot.Application.Retraining;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ComplianceBot.Files;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace ComplianceBot.Cli;

/// <summary>The admin CLI: import, preview, run, report, catalog, and the local demo.</summary>
public static class CliApp
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Runs the CLI. <paramref name="overrides"/> lets tests and the demo supply configuration.</summary>
    /// <param name="cancellationToken">Stops a long-running command (the demo's API) as Ctrl+C does.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Interactive = InteractionSupport.No,
            Ansi = stdout == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        });
        if (stdout != Console.Out || Console.IsOutputRedirected)
        {
            // Not a terminal: wide enough that tables stay readable in logs and tests.
            console.Profile.Width = 160;
        }

        var context = new CliContext(console, stdout, stderr, overrides);
        var root = new RootCommand("ComplianceBot admin tool: staff credential reminders for medical practices.")
        {
            ImportCommand(context),
            PreviewCommand(context),
            RunCommand(context),
            ReportCommand(context),
            CatalogCommand(context),
            RetrainingCommand(context),
            CheckCommand(context),
            ImportsCommand(context),
            RunsCommand(context),
            SampleCommand(context),
            DemoCommand.Create(context),
            EmulatorCommand(context),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync(error.Message);
            await stderr.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.UsageOrConfiguration;
        }

        try
        {
            // The default handler would catch every exception of an action and exit 1, so the catches
            // below (exit 2, naming the setting or argument) would never run.
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            await stderr.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
            return ExitCodes.UsageOrConfiguration;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // The start-up validator throws one exception per invalid options type, aggregated when several fail.
            await stderr.WriteLineAsync("Configuration error: " + string.Join(" ", ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)));
            return ExitCodes.UsageOrConfiguration;
        }
        catch (Exception ex) when (ex is UsageException or UnreadableImportException)
        {
            await stderr.WriteLineAsync(ex.Message);
            return ExitCodes.UsageOrConfiguration;
        }
        catch (Exception ex) when (StorageUnreachable(ex))
        {
            // Nothing answers where the settings point: the settings are wrong (or the demo is not running), or storage went
            // away while the command ran. Both are said: the second is the likelier one when the command had started.
            await stderr.WriteLineAsync($"Cannot reach storage: {Innermost(ex).Message}. If it answered a moment ago, the command stopped part-way: run it again once storage is back (a run sends nothing twice; an import stores each row once). Otherwise check Storage__ConnectionString (or Storage__AccountName); for the demo's Azurite, copy the export line the demo prints.");
            return ExitCodes.UsageOrConfiguration;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A dependency failed (storage answering errors, disk full): say what, without a stack trace.
            await stderr.WriteLineAsync($"Failed: {ex.Message}");
            return ExitCodes.Partial;
        }
    }

    /// <summary>Whether <paramref name="exception"/> comes from a storage endpoint nothing listens on (connection refused, unknown host).</summary>
    internal static bool StorageUnreachable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.TryAgain or System.Net.Sockets.SocketError.NoData })
            {
                return true;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(StorageUnreachable)) return true;
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>
    /// <c>emulator install</c>: installs Azurite, the storage emulator, from the repository's package-lock.json
    /// now (a CI step, or before going offline), under the same machine-wide lock the tests and the demo take, so
    /// it is safe while they run. Nothing happens when a whole install is there already.
    /// </summary>
    private static Command EmulatorCommand(CliContext context)
    {
        var root = new Option<DirectoryInfo?>("--root") { Description = "Repository root holding package-lock.json (default: the one above this tool)" };
        var install = new Command("install", "Install the storage emulator (Azurite) from package-lock.json, once, safely while tests run") { root };
        install.SetAction(async (parse, ct) =>
        {
            var repo = parse.GetValue(root)?.FullName ?? LocalDev.AzuriteProcess.FindRepoRoot();
            if (!File.Exists(Path.Combine(repo, "package-lock.json"))) throw new UsageException($"{repo} has no package-lock.json; give the repository root with --root.");
            await DemoCommand.InstallStorageEmulatorAsync(context.Console, repo, npm: null, ct);
            context.Console.MarkupLine($"Azurite is installed in {Spectre.Console.Markup.Escape(Path.Combine(repo, "node_modules"))}.");
            return ExitCodes.Ok;
        });
        return new Command("emulator", "The local storage emulator") { install };
    }

    private static Command ImportCommand(CliContext context)
    {
        var kind = new Argument<string>("kind") { Description = "roster or records" };
        kind.AcceptOnlyFromAmong("roster", "records");
        var file = new Argument<FileInfo>("file") { Description = "CSV or JSON file (by extension)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and report, write nothing" };
        var errorsOut = new Option<FileInfo?>("--errors-out") { Description = "Also write rejected rows to this CSV file" };
        var command = new Command("import", "Import the roster or training records, with a per-row error report") { kind, file, dryRun, errorsOut };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new UsageException($"File not found: {path.FullName}");
            using var host = await context.StartAsync(ct, email: false);
            var import = host.Services.GetRequiredService<ImportService>();
            var format = path.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase) ? TabularFormat.Json : TabularFormat.Csv;
            var request = new ImportRequest($"cli:{Environment.UserName}", parse.GetValue(dryRun), "cli");
            if (format == TabularFormat.Json)
            {
                // The progress stream below is forward-only; check the syntax first so a broken file changes nothing.
                await using var check = File.OpenRead(path.FullName);
                await TabularReader.CheckJsonSyntaxAsync(check, ct);
            }

            ImportResult result = null!;
            await context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Reading {path.Name}", maxValue: Math.Max(1, path.Length));
                    await using var stream = new CountingReadStream(File.OpenRead(path.FullName), read => task.Value = read, leaveOpen: false);
                    var rows = TabularReader.ReadAsync(stream, format, ct);
                    result = parse.GetValue(kind) == "roster"
                        ? await import.ImportRosterAsync(rows, request, ct)
                        : await import.ImportRecordsAsync(rows, request, ct);
                    task.Value = task.MaxValue;
                });

            WriteImportResult(context.Console, result);
            if (parse.GetValue(errorsOut) is { } errorsFile)
            {
                await using var writer = new StreamWriter(errorsFile.FullName);
                await ComplianceCsv.WriteErrorsAsync(result.Rejected, writer, ct);
                context.Console.MarkupLine($"Rejected rows written to [bold]{Markup.Escape(errorsFile.FullName)}[/]");
            }

            // A header without a required column is a wrong file, not some bad rows: nothing was imported.
            if (result.MissingColumns.Count > 0) return ExitCodes.UsageOrConfiguration;
            return result.RejectedCount == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        });
        return command;
    }

    private static Command PreviewCommand(CliContext context)
    {
        var clinic = new Option<string?>("--clinic") { Description = "Clinic id (default: every clinic)" };
        var asOf = new Option<string?>("--as-of") { Description = "Local date YYYY-MM-DD (default: today in each clinic)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("preview", "Show what the timers would send") { clinic, asOf, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = await context.StartAsync(ct);
            var runs = host.Services.GetRequiredService<ReminderRunService>();
            var time = host.Services.GetRequiredService<TimeProvider>();
            var plans = new List<ReminderPlan>();
            foreach (var c in await SelectClinicsAsync(host, parse.GetValue(clinic), ct))
            {
                plans.Add((await runs.PreviewAsync(c.Id, DateFor(c, parse.GetValue(asOf), time), ct))!);
            }

            if (parse.GetValue(json))
            {
                await context.Stdout.WriteLineAsync(JsonSerializer.Serialize(plans.Select(PreviewJson), Json));
                return ExitCodes.Ok;
            }

            foreach (var plan in plans) WritePlan(context.Console, plan);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RunCommand(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "reminders or digest" };
        job.AcceptOnlyFromAmong("reminders", "digest");
        var clinic = new Option<string?>("--clinic") { Description = "Clinic id (default: every clinic)" };
        var asOf = new Option<string?>("--as-of") { Description = "Local date YYYY-MM-DD (default: today in each clinic)" };
        var command = new Command("run", "Send now, with the same idempotency as the timers") { job, clinic, asOf };
        command.SetAction(async (parse, ct) =>
        {
            using var host = await context.StartAsync(ct);
            var summaries = await RunJobAsync(host, parse.GetValue(job) == "digest" ? RunJob.WeeklyDigest : RunJob.DailyReminders, parse.GetValue(clinic), parse.GetValue(asOf), ct);
            foreach (var s in summaries) await context.Stdout.WriteLineAsync(s.ToString());
            return summaries.Any(s => s.Error is not null || s.Failed > 0 || s.Retryable > 0 || s.Unknown > 0 || s.Waiting > 0) ? ExitCodes.Partial : ExitCodes.Ok;
        });
        return command;
    }

    private static Command ReportCommand(CliContext context)
    {
        var clinic = new Option<string>("--clinic") { Description = "Clinic id", Required = true };
        var asOf = new Option<string?>("--as-of") { Description = "Local date YYYY-MM-DD (default: today in the clinic)" };
        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var command = new Command("report", "Compliance status of a clinic for surveyors") { clinic, asOf, format };
        command.SetAction(async (parse, ct) =>
        {
            using var host = await context.StartAsync(ct, email: false);
            var reports = host.Services.GetRequiredService<ComplianceReportService>();
            var c = (await SelectClinicsAsync(host, parse.GetValue(clinic), ct))[0];
            var report = (await reports.ForClinicAsync(c.Id, DateFor(c, parse.GetValue(asOf), host.Services.GetRequiredService<TimeProvider>()), ct))!;
            if (parse.GetValue(format) == "json")
            {
                await context.Stdout.WriteLineAsync(JsonSerializer.Serialize(ReportJson(report), Json));
            }
            else
            {
                await ComplianceCsv.WriteReportAsync(report, context.Stdout, ct);
            }

            var audit = host.Services.GetRequiredService<IAuditLog>();
            await audit.AppendAsync(new AuditRecord(host.Services.GetRequiredService<TimeProvider>().GetUtcNow(), $"cli:{Environment.UserName}", "export.compliance", c.Id, c.Id, "ok", $"asOf={report.AsOf:yyyy-MM-dd}"), ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CatalogCommand(CliContext context)
    {
        var command = new Command("catalog", "The credential types and their rules, with each rule's basis and source");
        command.SetAction(_ =>
        {
            var types = CliServices.Catalog(context.Overrides).All.Where(t => t.Enabled).ToList();
            var table = new Table().AddColumns("Code", "Name", "Issuer", "Rule", "Basis", "Reminders (days before)", "Aliases");
            foreach (var t in types)
            {
                table.AddRow(
                    Markup.Escape(t.Code),
                    Markup.Escape(t.Name),
                    Markup.Escape(t.Issuer),
                    Markup.Escape(t.Rule.Describe()),
                    BasisInWords(t.Basis),
                    string.Join(", ", t.ReminderThresholds),
                    Markup.Escape(string.Join(", ", t.Aliases ?? [])));
            }

            context.Console.Write(table);

            // Addresses are long and must stay whole to be clicked or copied, so they follow the table one per line.
            context.Console.WriteLine();
            context.Console.WriteLine("Sources:");
            foreach (var t in types) context.Console.WriteLine($"  {t.Code}: {t.SourceUrl}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The basis as the README's catalog table words it.</summary>
    private static string BasisInWords(RuleBasis basis) => basis switch
    {
        RuleBasis.IssuerRule => "Issuer rule",
        RuleBasis.PracticeDefault => "Practice default",
        _ => "Unverified",
    };

    private static Command RetrainingCommand(CliContext context)
    {
        var kinds = string.Join(", ", RetrainingEventKind.All.Select(k => $"{k.Name} ({k.Description})"));
        var kind = new Argument<string>("kind") { Description = "What happened: " + kinds };
        var effective = new Option<string>("--effective") { Description = "Date it took effect, YYYY-MM-DD", Required = true };
        var description = new Option<string>("--description") { Description = "What changed, e.g. \"New glutaraldehyde disinfectant\"", Required = true };
        var clinic = new Option<string?>("--clinic") { Description = "Clinic id (default: the whole organization)" };
        var within = new Option<int?>("--due-within-days") { Description = "Days after the event by which retraining is due (default: new_hazard 0, policy_change 30, method_change 0)" };
        var add = new Command("add", "Record an event that re-opens a training for everyone trained before it") { kind, effective, description, clinic, within };
        add.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(effective)!;
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on)) throw new UsageException($"--effective '{text}' is not a date (YYYY-MM-DD).");
            using var host = await context.StartAsync(ct, email: false);
            var service = host.Services.GetRequiredService<RetrainingEventService>();
            var request = new RetrainingEventRequest(parse.GetValue(kind)!, on, parse.GetValue(description)!, parse.GetValue(clinic), parse.GetValue(within));
            var result = await service.RecordAsync(request, $"cli:{Environment.UserName}", ct);
            if (result.Event is not { } recorded)
            {
                await context.Stderr.WriteLineAsync($"{result.Field}: {result.Problem}");
                return ExitCodes.UsageOrConfiguration;
            }

            context.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Recorded: {recorded.CredentialCode} due again by {recorded.EffectiveOn.AddDays(recorded.DueWithinDays):yyyy-MM-dd} for everyone in {recorded.ClinicId ?? "every clinic"} last trained before {recorded.EffectiveOn:yyyy-MM-dd}.")));
            return ExitCodes.Ok;
        });

        var list = new Command("list", "The recorded retraining events, oldest first");
        list.SetAction(async (_, ct) =>
        {
            using var host = await context.StartAsync(ct, email: false);
            var table = new Table().AddColumns("Effective", "Credential", "Due within (days)", "Clinic", "Description");
            foreach (var e in await host.Services.GetRequiredService<RetrainingEventService>().ListAsync(ct))
            {
                table.AddRow(
                    e.EffectiveOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    Markup.Escape(e.CredentialCode),
                    e.DueWithinDays.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(e.ClinicId ?? "(all)"),
                    Markup.Escape(e.Description));
            }

            context.Console.Write(table);
            return ExitCodes.Ok;
        });

        return new Command("retraining", "Retraining events: a new hazard (HazCom), a material policy change (HIPAA), a method or instrument change (CLIA)") { add, list };
    }

    private static Command CheckCommand(CliContext context)
    {
        var repair = new Option<bool>("--repair") { Description = "Keep each person in the clinic on record (or the one clinic that holds them), move over the training records it lacks and remove the other copies; audited" };
        var roster = new Command("roster", "List people stored in more than one clinic, or whose clinic on record does not hold them; exit 1 when some are found and not repaired") { repair };
        roster.SetAction(async (parse, ct) =>
        {
            using var host = await context.StartAsync(ct);
            var fix = parse.GetValue(repair);
            var result = await host.Services.GetRequiredService<RosterCheckService>().CheckAsync(fix, $"cli:{Environment.UserName}", ct);
            if (result.Problems.Count == 0)
            {
                context.Console.MarkupLine("Roster check: every person is in exactly one clinic, the one on record.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Employee", "Problem", fix ? "Repaired" : "Repair would");
            foreach (var (problem, i) in result.Problems.Select((p, i) => (p, i)))
            {
                var action = fix
                    ? RepairText(result.Repaired[i])
                    : problem.StaffClinicIds.Count == 0 ? "remove the stale clinic record" : $"keep {KeptClinic(problem)}";
                table.AddRow(Markup.Escape(problem.EmployeeId), Markup.Escape(problem.Describe()), Markup.Escape(action));
            }

            context.Console.Write(table);
            context.Console.MarkupLine(fix
                ? $"Repaired {result.Repaired.Count} people; each repair is in the audit log (roster.repair)."
                : $"[yellow]{result.Problems.Count} people need a repair[/]: run [bold]compliancebot check roster --repair[/].");
            return fix ? ExitCodes.Ok : ExitCodes.Partial;
        });
        return new Command("check", "Check stored data for inconsistencies") { roster };
    }

    /// <summary>The clinic a repair keeps, as <see cref="IStaffStore.RepairAsync"/> chooses it (before the active flags are read).</summary>
    private static string KeptClinic(RosterProblem problem) =>
        problem.IndexClinicId is { } onRecord && problem.StaffClinicIds.Contains(onRecord) ? onRecord : problem.StaffClinicIds.Count == 1 ? problem.StaffClinicIds[0] : "an active copy";

    private static string RepairText(RosterRepair repair) =>
        repair.KeptClinicId is null
            ? "removed the stale clinic record"
            : repair.RemovedFromClinicIds.Count == 0 ? $"kept in {repair.KeptClinicId}, clinic record corrected" : $"kept in {repair.KeptClinicId}, removed from {string.Join(", ", repair.RemovedFromClinicIds)}";

    private static Command ImportsCommand(CliContext context)
    {
        var unfinished = new Option<bool>("--unfinished") { Description = "Imports of the last 30 days that started over a minute ago and never finished", Required = true };
        var command = new Command("imports", "Imports that were stopped part-way (exit 1 when there are any)") { unfinished };
        command.SetAction(async (parse, ct) =>
        {
            if (!parse.GetValue(unfinished)) throw new UsageException("Give --unfinished: only imports that never finished are listed.");
            using var host = await context.StartAsync(ct);
            var imports = await host.Services.GetRequiredService<ImportService>().ListUnfinishedAsync(ct);
            if (imports.Count == 0)
            {
                context.Console.MarkupLine("Every import of the last 30 days finished.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Started (UTC)", "By", "File", "Import id");
            foreach (var i in imports)
            {
                table.AddRow(i.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Markup.Escape(i.Actor), i.Kind == "records" ? "training records" : "roster", Markup.Escape(i.ImportId));
            }

            context.Console.Write(table);
            context.Console.MarkupLine($"[yellow]{imports.Count} import(s) stopped part-way[/]: some rows may be saved and others not. Import the same file again to finish it.");
            return ExitCodes.Partial;
        });
        return command;
    }

    private static Command RunsCommand(CliContext context)
    {
        var failed = new Option<bool>("--failed") { Description = "List the clinic runs that failed every attempt and were set aside on the poison queue" };
        var requeue = new Option<bool>("--requeue") { Description = "Put the set-aside clinic runs back on the queue to be run again (once their cause is fixed)" };
        var command = new Command("runs", "Queued clinic runs that failed every attempt: list them (exit 1 when there are any) or put them back on the queue") { failed, requeue };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(failed) == parse.GetValue(requeue)) throw new UsageException("Give one of --failed (list the set-aside runs) or --requeue (put them back on the queue).");
            using var host = await context.StartAsync(ct, email: false);
            var queued = host.Services.GetRequiredService<IQueuedRuns>();
            return parse.GetValue(failed)
                ? ListSetAside(context, await queued.ListSetAsideAsync(ct))
                : ReportRequeued(context, await queued.RequeueSetAsideAsync(ct));
        });
        return command;
    }

    private static int ListSetAside(CliContext context, SetAsideRuns setAside)
    {
        if (setAside.Count == 0)
        {
            context.Console.MarkupLine("No clinic run has been set aside: every queued run finished or is still being retried.");
            return ExitCodes.Ok;
        }

        context.Console.Write(RunsTable(setAside.Oldest));
        var shown = setAside.Oldest.Count < setAside.Count ? $" (the oldest {setAside.Oldest.Count} shown)" : string.Empty;
        context.Console.MarkupLine($"[yellow]{setAside.Count} clinic run(s) set aside[/]{shown}: reminders they planned may not have gone out. Fix the cause, then put them back on the queue with `runs --requeue` (or run one at once with `run reminders|digest --clinic ID --as-of DATE`); the ledger sends nothing twice.");
        return ExitCodes.Partial;
    }

    private static int ReportRequeued(CliContext context, RequeuedRuns result)
    {
        if (result.Requeued.Count == 0 && result.LeftUnreadable.Count == 0)
        {
            context.Console.MarkupLine("No clinic run has been set aside: nothing to put back on the queue.");
            return ExitCodes.Ok;
        }

        if (result.Requeued.Count > 0)
        {
            context.Console.Write(RunsTable(result.Requeued));
            context.Console.MarkupLine($"[green]{result.Requeued.Count} clinic run(s) put back on the queue[/]: each is run again with all its attempts. A run for a day that is already over in the clinic (or a past week's digest) sends nothing: the clinic's run of today catches up from its last finished day, so nobody gets a reminder dated for a past day. The ledger sends nothing twice. `runs --failed` shows any that fail again.");
        }

        if (result.LeftUnreadable.Count == 0) return ExitCodes.Ok;
        context.Console.Write(RunsTable(result.LeftUnreadable));
        context.Console.MarkupLine($"[yellow]{result.LeftUnreadable.Count} set-aside message(s) left on the poison queue[/]: they are not clinic runs (shown above as unreadable), so running them again would only fail again. Delete them in the portal or Storage Explorer once read.");
        return ExitCodes.Partial;
    }

    private static Table RunsTable(IEnumerable<SetAsideRun> runs)
    {
        var table = new Table().AddColumns("Clinic", "Job", "Local date", "First queued (UTC)");
        foreach (var r in runs)
        {
            table.AddRow(
                Markup.Escape(r.Run?.ClinicId ?? "(unreadable: " + r.ShortBody + ")"),
                r.Run?.Job.ToString() ?? string.Empty,
                r.Run?.LocalDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty,
                r.FirstQueuedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? string.Empty);
        }

        return table;
    }

    private static Command SampleCommand(CliContext context)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write clinics.json, roster.csv and records.csv to", Required = true };
        var asOf = new Option<string?>("--as-of") { Description = "Date the record dates are relative to (default: today, UTC)" };
        var command = new Command("sample", "Write the fictitious sample practice as import files") { output, asOf };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(output)!;
            folder.Create();
            var text = parse.GetValue(asOf);
            var today = text is null
                ? DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime)
                : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new UsageException($"--as-of '{text}' is not a date (YYYY-MM-DD).");
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "roster.csv"), Cli.Samples.SamplePractice.RosterCsv(today), ct);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "records.csv"), Cli.Samples.SamplePractice.RecordsCsv(today), ct);
            var clinics = Cli.Samples.SamplePractice.Clinics.Select(c => new
            {
                id = c.Id, name = c.Name, timeZone = c.TimeZoneId, state = c.State, managerEmails = c.ManagerEmails, sendHour = c.SendHour,
                businessDays = c.BusinessDays.OrderBy(x => ((int)x + 6) % 7).Select(x => x.ToString()),
            });
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "clinics.json"), JsonSerializer.Serialize(clinics, Json), ct);
            context.Console.MarkupLine($"Wrote clinics.json, roster.csv and records.csv (dates relative to {today:yyyy-MM-dd}) to {Markup.Escape(folder.FullName)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static async Task<IReadOnlyList<ClinicRunSummary>> RunJobAsync(IHost host, RunJob job, string? clinicId, string? asOf, CancellationToken ct)
    {
        var runs = host.Services.GetRequiredService<ReminderRunService>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var summaries = new List<ClinicRunSummary>();
        foreach (var c in await SelectClinicsAsync(host, clinicId, ct))
        {
            summaries.Add(await runs.RunClinicAsync(c, DateFor(c, asOf, time), job, ct));
        }

        return summaries;
    }

    internal static async Task<IReadOnlyList<Clinic>> SelectClinicsAsync(IHost host, string? clinicId, CancellationToken ct)
    {
        var clinics = host.Services.GetRequiredService<IClinicStore>();
        if (clinicId is null) return await clinics.ListAsync(ct);
        return await clinics.GetAsync(clinicId, ct) is { } one
            ? [one]
            : throw new UsageException($"No clinic '{clinicId}'. List them with the API (GET /api/clinics) or import a roster first.");
    }

    internal static DateOnly DateFor(Clinic clinic, string? asOf, TimeProvider time)
    {
        if (asOf is null) return ComplianceReportService.Today(clinic, time);
        return DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new UsageException($"--as-of '{asOf}' is not a date (YYYY-MM-DD).");
    }

    internal static void WritePlan(IAnsiConsole console, ReminderPlan plan)
    {
        console.Write(new Rule($"[bold]{Markup.Escape(plan.Clinic.Name)}[/] ({plan.Clinic.Id}) on {plan.AsOf:dddd yyyy-MM-dd}").LeftJustified());
        if (!plan.Clinic.IsBusinessDay(plan.AsOf))
        {
            console.MarkupLine("[grey]Not a business day for this clinic: nothing is sent.[/]");
            return;
        }

        var table = new Table().AddColumns("Message", "To", "Items");
        foreach (var r in plan.Reminders)
        {
            table.AddRow("reminder", Markup.Escape(r.Recipient.DisplayName), Markup.Escape(string.Join("\n", r.Items.Select(Line))));
        }

        foreach (var e in plan.Escalations)
        {
            table.AddRow("escalation", Markup.Escape(string.Join(", ", e.ManagerEmails)), Markup.Escape(string.Join("\n", e.Items.Select(i => $"{i.Staff.DisplayName}: {Line(i)}"))));
        }

        if (plan.Digest is { } d)
        {
            table.AddRow("weekly digest", Markup.Escape(string.Join(", ", d.ManagerEmails)), $"{d.Count(DigestSection.Expired)} expired, {d.Count(DigestSection.ExpiringWithin30Days)} due within 30 days, {d.Count(DigestSection.Missing)} missing");
        }

        if (table.Rows.Count == 0) console.MarkupLine("[grey]Nothing to send.[/]");
        else console.Write(table);
    }

    private static string Line(PlannedItem i)
    {
        var s = i.Status;
        var when = s.DaysLeft switch
        {
            null => "no date",
            < 0 => $"{-s.DaysLeft} days overdue",
            0 => "due today",
            _ => $"{s.DaysLeft} days left",
        };
        return $"{s.Credential?.Code ?? s.Requirement} ({ComplianceCsv.StatusText(s.State)}, {when})";
    }

    private static void WriteImportResult(IAnsiConsole console, ImportResult result)
    {
        if (result.MissingColumns.Count > 0)
        {
            console.MarkupLine($"[red]Nothing was imported[/]: the header has no {Markup.Escape(string.Join(", ", result.MissingColumns))} column ({result.RejectedCount} rows not read).");
        }
        else
        {
            var moved = result.MovedCount > 0 ? $", {result.MovedCount} of them moved to another clinic" : string.Empty;
            console.MarkupLine($"{(result.DryRun ? "[yellow]Dry run[/]: nothing was written. " : string.Empty)}Accepted [bold]{result.Accepted}[/] (created {result.Created}, updated {result.Updated}{moved}, unchanged {result.Unchanged}), rejected [bold]{result.RejectedCount}[/].");
            foreach (var m in result.MovedRows.Take(50)) console.MarkupLine($"Moved {Markup.Escape(m.EmployeeId)} from {Markup.Escape(m.FromClinicId)} to {Markup.Escape(m.ToClinicId)} (row {m.Row}).");
            if (result.MovedCount > 50) console.MarkupLine($"... and {result.MovedCount - 50} more moves.");
        }

        foreach (var w in result.Warnings) console.MarkupLine($"[yellow]Warning[/]: column '{Markup.Escape(w.Field)}': {Markup.Escape(w.Reason)}");
        if (result.Rejected.Count == 0) return;
        var table = new Table().AddColumns("Row", "Field", "Reason");
        foreach (var e in result.Rejected.Take(50)) table.AddRow(e.Row.ToString(CultureInfo.InvariantCulture), Markup.Escape(e.Field), Markup.Escape(e.Reason));
        console.Write(table);
        if (result.Rejected.Count > 50) console.MarkupLine($"... and {result.RejectedCount - 50} more (use --errors-out FILE for the first {ImportResult.MaxReportedErrors}).");
    }

    private static object PreviewJson(ReminderPlan plan) => new
    {
        clinicId = plan.Clinic.Id,
        asOf = plan.AsOf,
        businessDay = plan.Clinic.IsBusinessDay(plan.AsOf),
        reminders = plan.Reminders.Select(r => new { to = r.Recipient.Email, employeeId = r.Recipient.EmployeeId, items = r.Items.Select(ItemJson) }),
        escalations = plan.Escalations.Select(e => new { to = e.ManagerEmails, items = e.Items.Select(ItemJson) }),
        digest = plan.Digest is { } d ? new { to = d.ManagerEmails, week = $"{d.IsoYear}-W{d.IsoWeek:00}", lines = d.Lines.Count } : null,
    };

    private static object ItemJson(PlannedItem i) => new
    {
        employeeId = i.Staff.EmployeeId,
        requirement = i.Status.Requirement,
        credential = i.Status.Credential?.Code,
        status = ComplianceCsv.StatusText(i.Status.State),
        expiresOn = i.Status.DueDate,
        daysLeft = i.Status.DaysLeft,
        threshold = i.Threshold,
    };

    private static object ReportJson(ClinicCompliance report) => new
    {
        clinicId = report.Clinic.Id,
        asOf = report.AsOf,
        staff = report.Staff.Select(s => new
        {
            employeeId = s.Staff.EmployeeId,
            name = s.Staff.DisplayName,
            role = ImportService.RoleName(s.Staff.Role),
            requirements = s.Requirements.Select(r => new
            {
                requirement = r.Requirement,
                credential = r.Credential?.Code,
                status = ComplianceCsv.StatusText(r.State),
                issuedOn = r.Record?.IssuedOn,
                expiresOn = r.DueDate,
                daysLeft = r.DaysLeft,
                dateCheck = r.DateCheckRequired,
                advice = r.LapseAdvice,
            }),
        }),
    };
}

/// <summary>A wrong argument or a missing thing the user named; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>What every command needs: the console, the writers and the configuration overrides.</summary>
public sealed class CliContext(IAnsiConsole console, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?>? overrides)
{
    public IAnsiConsole Console { get; } = console;

    public TextWriter Stdout { get; } = stdout;

    public TextWriter Stderr { get; } = stderr;

    public IReadOnlyDictionary<string, string?>? Overrides { get; set; } = overrides;

    /// <summary>The services; <paramref name="email"/> false for commands that neither compose nor send email.</summary>
    public Task<IHost> StartAsync(CancellationToken ct, bool email = true) => CliServices.StartAsync(Overrides, ct, email);
}
