using ComplianceBot.Functions.Hosting;
using ComplianceBot.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Functions.Middleware;

/// <summary>
/// Bounds how long an HTTP request waits on storage in total (<c>Storage:RequestTimeout</c>, or
/// <c>Storage:ImportRequestTimeout</c> for a <see cref="BulkWriteAttribute"/> function): against a hung storage
/// the request answers 503 "try again" within that time, instead of once per storage call it makes. Timers are
/// not bounded here: a run's claims have their own lease, and a clinic that fails is retried by the next run.
/// </summary>
public sealed class StorageDeadlineMiddleware(IOptions<TableStorageOptions> options) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var bulk = FunctionDeclarations.FindHttp(context.FunctionDefinition.Name)?.BulkWrite == true;
        using (StorageDeadline.Begin(bulk ? options.Value.ImportRequestTimeout : options.Value.RequestTimeout))
        {
            await next(context).ConfigureAwait(false);
        }
    }
}
