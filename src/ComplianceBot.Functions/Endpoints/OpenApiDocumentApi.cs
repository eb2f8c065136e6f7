using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// The OpenAPI document at <c>/api/openapi.json</c>, built on the first request. (MapOpenApi prepares
/// the generator while the app starts, which cost about 100 ms of every cold start.)
/// </summary>
public static class OpenApiDocumentApi
{
    public const string DocumentName = "v1";

    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapGet(FunctionEndpoints.PathOf("GetOpenApi"), async (HttpContext context, CancellationToken ct) =>
        {
            var provider = context.RequestServices.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
            var document = await provider.GetOpenApiDocumentAsync(ct);
            var json = await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct);
            return TypedResults.Text(json, "application/json; charset=utf-8");
        }).AsFunction("GetOpenApi").ExcludeFromDescription();
        return app;
    }
}
