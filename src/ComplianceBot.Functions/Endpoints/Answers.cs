using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>The problem+json answers the functions and the middleware share, worded once.</summary>
public static class Answers
{
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>A 404 problem that says the same whether the thing is absent or not the caller's to see.</summary>
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} with that id that you may see.");

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: detail);

    public static ValidationProblem Validation(string field, string reason) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, detail: $"{field}: {reason}", title: "The request is not valid.");

    /// <summary>
    /// A query parameter that cannot be used: titled after the parameter (<c>Invalid dryRun</c>) whatever is wrong
    /// with it, so a missing value and a wrong one read alike; the detail says what to give.
    /// </summary>
    public static ValidationProblem InvalidQuery(string name, string reason, string? detail = null) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [name] = [reason] }, detail: detail ?? $"{name}: {reason}", title: $"Invalid {name}");

    /// <summary>
    /// Every problem of a body at once, keyed by field; the detail says how many fields are wrong (one field:
    /// the field and its reason, as <see cref="Validation(string, string)"/>).
    /// </summary>
    public static ValidationProblem Validation(IReadOnlyDictionary<string, List<string>> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0) throw new ArgumentException("A validation problem needs at least one error.", nameof(errors));
        var detail = errors.Count == 1
            ? $"{errors.Keys.First()}: {string.Join(" ", errors.Values.First())}"
            : $"{errors.Count} fields are not valid ({string.Join(", ", errors.Keys)}); see errors for what is wrong with each. Nothing was saved.";
        return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), detail: detail, title: "The request is not valid.");
    }
}
