using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// Checks every HTTP function makes of its request before the handler runs, and the words a request that
/// could not be bound gets: a query parameter without a value, an id in the route that no clinic or person
/// can have, a date outside the range the app plans for.
/// </summary>
public static partial class RequestEdge
{
    /// <summary>
    /// An endpoint filter: <c>?dryRun</c> or <c>?asOf=</c> (present without a value) is a 400, never read as
    /// "not given"; a <c>clinicId</c> or <c>employeeId</c> in the route that breaks the id rules is a 404 when
    /// reading (nothing can have that id) and a 400 naming the rule when writing.
    /// </summary>
    public static async ValueTask<object?> CheckAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        foreach (var (key, values) in request.Query)
        {
            if (values.All(string.IsNullOrEmpty))
            {
                return FunctionEndpoints.Validation(key, $"has no value: give one (?{key}=...) or leave the parameter out");
            }
        }

        var writing = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsDelete(request.Method);
        if (request.RouteValues.TryGetValue("clinicId", out var clinic) && clinic is string clinicId && !Ids.IsClinicId(clinicId))
        {
            return writing ? FunctionEndpoints.Validation("clinicId", Ids.ClinicIdRule) : FunctionEndpoints.NotFound("Clinic");
        }

        if (request.RouteValues.TryGetValue("employeeId", out var employee) && employee is string employeeId && !Ids.IsEmployeeId(employeeId))
        {
            return writing ? FunctionEndpoints.Validation("employeeId", Ids.EmployeeIdRule) : FunctionEndpoints.NotFound("Staff member");
        }

        return await next(context).ConfigureAwait(false);
    }

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
    /// Plain words for a body the framework could not bind (not JSON, missing, or with a field the operation
    /// does not take); the framework's own message names .NET types. Query values are all read as text and
    /// checked by the endpoints themselves.
    /// </summary>
    public static string Describe(BadHttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.InnerException is JsonException json) return DescribeJson(json);
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType) return "Send the body as application/json.";
        var message = exception.Message;
        if (MissingBody().IsMatch(message) || message.StartsWith("Implicit body inferred", StringComparison.Ordinal))
        {
            return "This operation needs a JSON object as its body.";
        }

        return message;
    }

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
            _ => null,
        };
    }

    [GeneratedRegex("^Required parameter \"[^\"]+\" was not provided from body\\.$")]
    private static partial Regex MissingBody();
}
