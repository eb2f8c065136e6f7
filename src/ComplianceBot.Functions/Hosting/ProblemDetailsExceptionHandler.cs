using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// The one place that turns unexpected exceptions into problem+json: a body that cannot be read is
/// 400, an unavailable dependency (storage) is 503, anything else 500 without internals.
/// </summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                (StatusCodes.Status413PayloadTooLarge, "The request body is too large", "Nothing was changed."),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read", Endpoints.RequestEdge.Describe(bad)),
            JsonException => (StatusCodes.Status400BadRequest, "The body is not valid JSON", "Check the JSON syntax and the field types."),
            _ when IsDependencyFailure(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable", "Storage did not answer in time. Nothing was lost; try again in a minute."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "The error was logged. Nothing was changed unless the response said so."),
        };

        if (status >= 500)
        {
            Log.RequestFailed(logger, exception, httpContext.Request.Method, httpContext.Request.Path, status);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }

    /// <summary>Storage failures (the Azure SDK's <see cref="Azure.RequestFailedException"/>) and transport failures of the adapters.</summary>
    private static bool IsDependencyFailure(Exception exception) =>
        exception is HttpRequestException or TimeoutException or Azure.RequestFailedException;
}
