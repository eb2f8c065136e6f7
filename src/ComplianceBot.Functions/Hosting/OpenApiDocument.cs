using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.RegularExpressions;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// The OpenAPI 3.1 document of the HTTP functions, generated from their declarations (route, methods, access,
/// <see cref="OperationAttribute"/>, <see cref="QueryAttribute"/>, <see cref="RespondsAttribute"/>): nothing is
/// declared twice, so the document cannot miss a route. Schemas come from the DTOs as System.Text.Json writes them.
/// </summary>
public static partial class OpenApiDocument
{
    private static readonly Lazy<string> Document = new(() => Build(FunctionDeclarations.Http).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public static string Json => Document.Value;

    public static JsonObject Build(IEnumerable<HttpFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var paths = new JsonObject();
        foreach (var function in functions.OrderBy(f => f.Route, StringComparer.Ordinal))
        {
            var path = "/api/" + CatchAll().Replace(function.Route, "{$1}");
            if (paths[path] is not JsonObject item)
            {
                item = [];
                paths[path] = item;
            }

            foreach (var method in function.Methods)
            {
                item[method.ToLowerInvariant()] = Operation(function);
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "ComplianceBot API",
                ["version"] = "1",
                ["description"] = "Staff credentials and trainings of a medical practice: clinics, the roster, records, compliance reports and email previews. JSON bodies and answers use camelCase field names (issuedOn, employeeId); the bodies of PUT /api/staff/{employeeId} and PUT /api/staff/{employeeId}/credentials/{code} also accept the snake_case CSV column names (issued_on, employee_id), but not both spellings of one field. CSV headers and the rows of a JSON import use the snake_case column names listed in the README. This document is public; every other route needs an API key (X-Api-Key) or a sign-in.",
            },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["apiKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = Security.CallerAuthentication.ApiKeyHeader },
                    ["appServiceAuthentication"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = Security.CallerAuthentication.PrincipalHeader, ["description"] = "Set by App Service Authentication (Entra ID) in Azure; never sent by a client." },
                    ["renewalLink"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = Security.RenewalLinkAuthentication.TokenHeader, ["description"] = "The token of a staff member's personal renewal link (the fragment of the link in their reminder email); opens only their renewal page." },
                },
            },
            ["paths"] = paths,
        };
    }

    private static JsonObject Operation(HttpFunction function)
    {
        var declared = function.Operation;
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["summary"] = declared?.Summary ?? function.Name,
            ["x-access"] = function.Access.ToString(),
        };
        var parameters = new JsonArray();
        foreach (Match token in RouteToken().Matches(function.Route))
        {
            parameters.Add(new JsonObject { ["name"] = token.Groups[1].Value, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var query in function.Query)
        {
            parameters.Add(new JsonObject { ["name"] = query.Name, ["in"] = "query", ["required"] = false, ["description"] = query.Description, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (parameters.Count > 0) operation["parameters"] = parameters;
        if (declared?.Body is { } body)
        {
            operation["requestBody"] = new JsonObject { ["required"] = true, ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaOf(body) } } };
        }
        else if (declared?.BodyMediaTypes is { } mediaTypes)
        {
            var content = new JsonObject();
            foreach (var type in mediaTypes) content[type] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } };
            operation["requestBody"] = new JsonObject { ["required"] = true, ["content"] = content };
        }

        var responses = new JsonObject();
        foreach (var status in function.Responses.Order())
        {
            var response = new JsonObject { ["description"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) };
            if (status is 200 or 201 && declared?.Returns is { } returns)
            {
                response["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaOf(returns) } };
            }
            else if (status >= 400)
            {
                response["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = ProblemSchema() } };
            }

            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        operation["responses"] = responses;
        operation["security"] = function.Access switch
        {
            Access.Anonymous => new JsonArray(),
            Access.RenewalLink => new JsonArray(new JsonObject { ["renewalLink"] = new JsonArray() }),
            _ => new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() }, new JsonObject { ["appServiceAuthentication"] = new JsonArray() }),
        };
        return operation;
    }

    private static JsonNode SchemaOf(Type type) => JsonSerializerOptions.Web.GetJsonSchemaAsNode(type);

    private static JsonObject ProblemSchema() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
        },
    };

    [GeneratedRegex(@"\{\*?([A-Za-z0-9_]+)\??\}")]
    private static partial Regex RouteToken();

    [GeneratedRegex(@"\{\*([A-Za-z0-9_]+)\}")]
    private static partial Regex CatchAll();
}
