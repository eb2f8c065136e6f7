using ComplianceBot.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error);

/// <summary>Internal, so the test projects that reference the CLI (for its local-dev pieces) see only the app's <c>Program</c>.</summary>
internal partial class Program;
