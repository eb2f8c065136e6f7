using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ComplianceBot.Functions.Middleware;

/// <summary>Every function needs the tables: they are created by the first invocation (a 503 problem while storage is unreachable).</summary>
public sealed class TablesReadyMiddleware(TablesReady tables) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await tables.EnsureAsync().WaitAsync(context.CancellationToken).ConfigureAwait(false);
        await next(context).ConfigureAwait(false);
    }
}
