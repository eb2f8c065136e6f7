using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>The OpenAPI document at <c>/api/openapi.json</c>, generated from the function declarations.</summary>
public sealed class OpenApiFunctions
{
    [Function("GetOpenApi")]
    [Allow(Access.AnyRole)]
    [Operation("This document")]
    public static IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        TypedResults.Text(OpenApiDocument.Json, "application/json; charset=utf-8");
}
