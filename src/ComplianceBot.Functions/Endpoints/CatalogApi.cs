using System.Security.Claims;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Functions.Security;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>One credential type as the API shows it.</summary>
public sealed record CredentialTypeDto(
    string Code,
    string Name,
    string Issuer,
    string Category,
    string Rule,
    string Basis,
    IReadOnlyList<int> ReminderThresholds,
    string RenewalSteps,
    string SourceUrl,
    int? LapseWindowDays,
    IReadOnlyList<string> Aliases,
    bool Enabled)
{
    public static CredentialTypeDto From(CredentialType t) =>
        new(t.Code, t.Name, t.Issuer, t.Category.ToString(), t.Rule.Describe(), t.Basis.ToString(), t.ReminderThresholds, t.RenewalSteps, t.SourceUrl, t.Lapse?.Days, t.Aliases ?? [], t.Enabled);
}

/// <summary>Who the caller is, for the web page.</summary>
public sealed record MeDto(string Name, IReadOnlyList<string> Roles, IReadOnlyList<ClinicDto> Clinics);

public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder app)
    {
        app.MapGet(FunctionEndpoints.PathOf("GetCatalog"), (CredentialCatalog catalog) =>
            TypedResults.Ok(catalog.All.Select(CredentialTypeDto.From).ToList())).AsFunction("GetCatalog");

        app.MapGet(FunctionEndpoints.PathOf("WhoAmI"), async (ClaimsPrincipal user, ClinicAccess access, CancellationToken ct) =>
            TypedResults.Ok(new MeDto(
                ClinicAccess.Actor(user),
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct().ToList(),
                (await access.ReadableAsync(user, ct)).Select(ClinicDto.From).ToList()))).AsFunction("WhoAmI");
        return app;
    }
}
