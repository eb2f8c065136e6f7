using ComplianceBot.Domain.Model;
using ComplianceBot.Functions.Endpoints;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ComplianceBot.Functions.Middleware;

/// <summary>
/// Checks every HTTP function makes of its request before it runs: <c>?dryRun</c> or <c>?asOf=</c> (present
/// without a value) is a 400, never read as "not given"; a <c>clinicId</c> or <c>employeeId</c> in the route
/// that breaks the id rules is a 404 when reading (nothing can have that id) and a 400 naming the rule when writing.
/// </summary>
public sealed class RequestEdgeMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } http && Check(http.Request, context.BindingContext.BindingData) is { } problem)
        {
            await problem.ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private static IResult? Check(HttpRequest request, IReadOnlyDictionary<string, object?> routeValues)
    {
        foreach (var (key, values) in request.Query)
        {
            if (values.All(string.IsNullOrEmpty))
            {
                return Answers.InvalidQuery(key, "has no value: " + WhatToGive(key));
            }
        }

        var writing = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsDelete(request.Method);
        if (routeValues.TryGetValue("clinicId", out var clinic) && clinic?.ToString() is { } clinicId && !Ids.IsClinicId(clinicId))
        {
            return writing ? Answers.Validation("clinicId", Ids.ClinicIdRule) : Answers.NotFound("Clinic");
        }

        if (routeValues.TryGetValue("employeeId", out var employee) && employee?.ToString() is { } employeeId && !Ids.IsEmployeeId(employeeId))
        {
            return writing ? Answers.Validation("employeeId", Ids.EmployeeIdRule) : Answers.NotFound("Staff member");
        }

        return null;
    }

    private static string WhatToGive(string key) => key switch
    {
        "dryRun" or "dry_run" => "give true or false, or leave the parameter out",
        "asOf" => "give a date (YYYY-MM-DD), or leave the parameter out for today",
        "format" => "give json or csv, or leave the parameter out",
        _ => $"give one (?{key}=...) or leave the parameter out",
    };
}
