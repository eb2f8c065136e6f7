using ComplianceBot.Application;
using ComplianceBot.Email;
using ComplianceBot.Functions;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Storage;

// `--write-functions DIR` writes the function.json folders from the registry (used at publish).
if (args is ["--write-functions", var appRoot])
{
    FunctionRegistry.WriteFunctionFolders(appRoot);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.UseCustomHandlerHosting();
builder.Services
    .AddComplianceBotApplication(builder.Configuration)
    .AddStorageServices(builder.Configuration)
    .AddEmailServices(builder.Configuration)
    .AddFunctionsApp(builder.Configuration);

var app = builder.Build();
app.UseComplianceBot();
await app.RunAsync();

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
