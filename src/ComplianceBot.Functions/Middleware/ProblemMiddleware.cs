using System.Text.Json;
using ComplianceBot.Functions.Endpoints;
using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ComplianceBot.Functions.Middleware;

/// <summary>
/// The one place that turns an unexpected exception of an HTTP function into problem+json: a body that cannot
/// be read is 400, an unavailable dependency (storage) is 503, anything else 500 without internals. A timer's
/// exception is left to the host, which records the invocation as failed.
/// </summary>
public sealed class ProblemMiddleware(ILogger<ProblemMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (context.GetHttpContext() is { Response.HasStarted: false } http)
        {
            var (status, title, detail) = exception switch
            {
                BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                    (StatusCodes.Status413PayloadTooLarge, "The request body is too large", "Nothing was changed."),
                BadHttpRequestException bad => (bad.StatusCode, "The request could not be read", bad.Message),
                JsonException => (StatusCodes.Status400BadRequest, "The body is not valid JSON", "Check the JSON syntax and the field types."),
                Azure.RequestFailedException { Status: 409 or 412 } =>
                    (StatusCodes.Status409Conflict, "Changed by someone else at the same moment", "Another upload or change wrote the same rows while this one ran, and they could not be reconciled. Nothing of this request was lost on our side: send it again."),
                OperationCanceledException when http.RequestAborted.IsCancellationRequested =>
                    (499, "The request was cancelled", "The caller went away before the answer was ready."),
                _ when IsDependencyFailure(exception) =>
                    (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable", "Storage did not answer in time. Nothing was lost; try again in a minute."),
                _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "The error was logged. Nothing was changed unless the response said so."),
            };

            if (status >= 500)
            {
                Log.RequestFailed(logger, exception, context.FunctionDefinition.Name, http.Request.Method, http.Request.Path, status);
            }

            await Answers.Problem(status, title, detail).ExecuteAsync(http).ConfigureAwait(false);
        }
    }

    /// <summary>Storage failures (the Azure SDK's <see cref="Azure.RequestFailedException"/>) and transport failures of the adapters.</summary>
    private static bool IsDependencyFailure(Exception exception) =>
        exception is HttpRequestException or TimeoutException or Azure.RequestFailedException;
}
