using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ComplianceBot.Functions.Middleware;

/// <summary>
/// API answers carry staff data (names, dates, credential status): no browser or proxy keeps a copy. A function
/// that sets its own policy (the web page's no-cache) keeps it.
/// </summary>
public sealed class NoStoreMiddleware : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } http)
        {
            http.Response.OnStarting(() =>
            {
                if (!http.Response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.CacheControl)) http.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
