using ComplianceBot.Functions.Middleware;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace ComplianceBot.Functions;

/// <summary>
/// The isolated worker: the Functions host starts this process and invokes the [Function] methods over gRPC;
/// HTTP requests reach them through ASP.NET Core integration. The middleware list is declared once
/// (<see cref="FunctionsMiddleware.Pipeline"/>) and the local host runs the same list.
/// </summary>
internal static class WorkerProgram
{
    public static async Task Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.UseComplianceBotMiddleware();
        builder.Services
            .AddApplicationInsightsTelemetryWorkerService()
            .ConfigureFunctionsApplicationInsights()
            .AddComplianceBot(builder.Configuration);

        await builder.Build().RunAsync().ConfigureAwait(false);
    }
}
