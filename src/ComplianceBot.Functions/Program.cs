using ComplianceBot.Functions.Hosting;

// `--write-functions DIR` writes the function.json folders from the registry (used at publish).
if (args is ["--write-functions", var appRoot])
{
    FunctionRegistry.WriteFunctionFolders(appRoot);
    return;
}

var app = ComplianceBotHost.Build(args);
await app.RunAsync();

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
