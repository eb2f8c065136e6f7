using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// What the functions read from a request, checked and worded for people: a date outside the range the app
/// plans for, a JSON body that cannot be read. (The checks every request gets are <see cref="Middleware.RequestEdgeMiddleware"/>.)
/// </summary>
public static class RequestEdge
{
    /// <summary>Reads <c>asOf</c>: absent is null (today), otherwise <c>YYYY-MM-DD</c> between 1900 and 2199.</summary>
    public static bool TryAsOf(string? text, out DateOnly? date, out string? reason)
    {
        date = null;
        reason = null;
        if (text is null) return true;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            reason = $"'{text}' is not a date (YYYY-MM-DD)";
            return false;
        }

        if (!PlausibleDates.Contains(parsed))
        {
            reason = $"'{text}' is outside {PlausibleDates.First:yyyy-MM-dd} to {PlausibleDates.Last:yyyy-MM-dd}";
            return false;
        }

        date = parsed;
        return true;
    }

    /// <summary>
    /// Reads a JSON body as <typeparamref name="T"/> (web naming: camelCase, case-insensitive), or a problem in
    /// plain words: 415 for a body that is not JSON, 400 for a missing body, bad JSON, or a field the operation
    /// does not take (the framework's own messages name .NET types).
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            var sent = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"'{request.ContentType}'";
            return (default, Answers.Problem(StatusCodes.Status415UnsupportedMediaType, "The request could not be read", $"Send the body as application/json (this request has {sent})."));
        }

        if (request.ContentLength == 0) return (default, NoBody());
        try
        {
            var value = await request.ReadFromJsonAsync<T>(JsonSerializerOptions.Web, cancellationToken).ConfigureAwait(false);
            return value is null ? (default, NoBody()) : (value, null);
        }
        catch (JsonException json)
        {
            return (default, Answers.BadRequest("The request could not be read", DescribeJson(json)));
        }
    }

    private static ProblemHttpResult NoBody() => Answers.BadRequest("The request could not be read", "This operation needs a JSON object as its body.");

    private static string DescribeJson(JsonException json)
    {
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) && field is not null)
        {
            return $"The body has the field '{field}', which this operation does not take.";
        }

        if (json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && field is not null)
        {
            return $"The field '{field}' has a value of the wrong kind (text, number, true/false or a list).";
        }

        if (json.Message.Contains("does not contain any JSON tokens", StringComparison.Ordinal)) return "This operation needs a JSON object as its body.";
        var at = json.LineNumber is { } line ? $" at line {line + 1}, byte {(json.BytePositionInLine ?? 0) + 1}" : string.Empty;
        return $"The body is not valid JSON{at}.";
    }

    /// <summary>The detail of a problem the framework writes without one (401, 403, an unknown route, a wrong method).</summary>
    public static string? DefaultDetail(int status, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return status switch
        {
            StatusCodes.Status401Unauthorized => "Sign in (App Service Authentication), or send an API key in the X-Api-Key header.",
            StatusCodes.Status403Forbidden => "Your role may not call this operation: imports and changes need the HR role.",
            StatusCodes.Status404NotFound => "There is no such route; the API's routes are listed in /api/openapi.json.",
            StatusCodes.Status405MethodNotAllowed => $"This route does not take {context.Request.Method}; see /api/openapi.json.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json (imports also take text/csv); see /api/openapi.json.",
            _ => null,
        };
    }
}
