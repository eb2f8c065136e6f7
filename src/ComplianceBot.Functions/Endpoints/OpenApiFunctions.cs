using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// The OpenAPI document at <c>/api/openapi.json</c>, generated from the function declarations. Public: it
/// describes the routes and fields and holds no data, so a developer can read it before they have a key.
/// </summary>
public sealed class OpenApiFunctions
{
    [Function("GetOpenApi")]
    [Allow(Access.Anonymous)]
    [Operation("This document (public: it holds no data)")]
    public static IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        TypedResults.Text(OpenApiDocument.Json, "application/json; charset=utf-8");
}
