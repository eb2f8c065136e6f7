using ComplianceBot.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>Authorization policies, one per <see cref="Access"/> level.</summary>
public static class Policies
{
    public const string Hr = "hr";
    public const string AnyRole = "any-role";
}

/// <summary>Maps an HTTP function from the registry, so its method, route and access come from one place.</summary>
public static class FunctionEndpoints
{
    /// <summary>The path an HTTP function of the registry is served at.</summary>
    public static string PathOf(string name) => FunctionRegistry.Get(name).Path;

    /// <summary>
    /// Names the endpoint after its registry function and applies the function's access level. Handlers
    /// are mapped with MapGet/MapPost/... directly so the request delegate generator can compile them.
    /// </summary>
    public static RouteHandlerBuilder AsFunction(this RouteHandlerBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var def = FunctionRegistry.Get(name);
        if (def.IsTimer) throw new InvalidOperationException($"{name} is a timer, not an HTTP function.");
        builder.WithName(name).AddEndpointFilter(RequestEdge.CheckAsync);
        return def.Access switch
        {
            Access.Anonymous => builder.AllowAnonymous(),
            Access.Hr => builder.RequireAuthorization(Policies.Hr),
            _ => builder.RequireAuthorization(Policies.AnyRole),
        };
    }

    /// <summary>A 404 problem that says the same whether the thing is absent or not the caller's to see.</summary>
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} with that id that you may see.");

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: detail);

    public static ValidationProblem Validation(string field, string reason) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, detail: $"{field}: {reason}", title: "The request is not valid.");
}
