using ComplianceBot.Bench;

// One console app, one subcommand per benchmark: `dotnet run -c Release --project bench/ComplianceBot.Bench -- storage`.
// Add new subcommands (daily, import, startup, ...) as new cases.
return args.Length == 0 ? Usage() : args[0] switch
{
    "storage" => await StorageBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ComplianceBot.Bench <benchmark> [options]");
    Console.Error.WriteLine("  storage [--clinics N] [--per-clinic N] [--rounds N]   Table Storage client vs a bare HttpClient loop, on Azurite");
    return 2;
}
