using ComplianceBot.Bench;

// One console app, one subcommand per benchmark: `dotnet run -c Release --project bench/ComplianceBot.Bench -- storage`.
// Add new subcommands (daily, import, startup, ...) as new cases.
return args.Length == 0 ? Usage() : args[0] switch
{
    "storage" => await StorageBenchmark.RunAsync(args[1..]),
    "daily" => await DailyRunBenchmark.RunAsync(args[1..]),
    "queue" => await QueueRunBenchmark.RunAsync(args[1..]),
    "webhook" => await WebhookBenchmark.RunAsync(args[1..]),
    "import" => await ImportBenchmark.RunAsync(args[1..]),
    "startup" => await StartupBenchmark.RunAsync(args[1..]),
    "load" => await LoadBenchmark.RunAsync(args[1..]),
    "parser" => await ParserBenchmark.RunAsync(args[1..]),
    "upload" => await UploadBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ComplianceBot.Bench <benchmark> [options]");
    Console.Error.WriteLine("  storage [--clinics N] [--per-clinic N] [--rounds N]   storage repositories vs the bare SDK and raw $batch, on Azurite, plus a client profile");
    Console.Error.WriteLine("  daily [--clinics N] [--staff N] [--send-ms N]         the daily run vs the storage read floor plus the send floor");
    Console.Error.WriteLine("  queue [--clinics N] [--staff N] [--send-ms N] [--consumers 1,2,4] [--faults] [--no-inline]");
    Console.Error.WriteLine("                                                       the fan-out daily run: N local-host consumers on the clinic-run queue vs read + queue + send floors; fault runs");
    Console.Error.WriteLine("  webhook [--events N] [--latency-ms N]                 one signed SendGrid event batch vs bare 100-row transactions");
    Console.Error.WriteLine("  import [--rows N] [--rounds N] [--large-rows N]         records CSV through the HTTP endpoint vs raw $batch inserts");
    Console.Error.WriteLine("  load [--clients N] [--seconds N]                     200 concurrent clients mixing imports and reads against one instance");
    Console.Error.WriteLine("  parser                                               the worst 10 MB import files through the reader and a dry run, heap growth vs a normal roster");
    Console.Error.WriteLine("  upload [--rounds N]                                  10 MB certificates through the renewal endpoint vs 100 KB ones: app peak memory stays flat");
    Console.Error.WriteLine("  startup [--rounds N]                                 start-up to the first GET / answer vs a bare ASP.NET Core app");
    return 2;
}
