using ComplianceBot.LocalHost;

var app = LocalFunctionsHost.Build(args);
await app.RunAsync();

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
