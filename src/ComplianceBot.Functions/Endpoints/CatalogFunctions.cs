using System.Security.Claims;
using ComplianceBot.Application.Renewals;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

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

/// <summary>Who the caller is, for the web page, and the upload limits the page checks before it sends a file.</summary>
public sealed record MeDto(string Name, IReadOnlyList<string> Roles, IReadOnlyList<ClinicDto> Clinics, UploadLimitsDto Limits);

/// <summary>The largest import body (<c>Import:MaxBodyBytes</c>) and certificate file (<c>Renewal:MaxFileBytes</c>) accepted, in bytes.</summary>
public sealed record UploadLimitsDto(long MaxImportBytes, long MaxCertificateBytes);

/// <summary>The credential catalog and who the caller is.</summary>
public sealed class CatalogFunctions(CredentialCatalog catalog, ClinicAccess access, IOptions<ImportOptions> import, IOptions<RenewalOptions> renewal)
{
    [Function("GetCatalog")]
    [Allow(Access.AnyRole)]
    [Operation("The credential types, with their renewal rules and sources", Returns = typeof(IReadOnlyList<CredentialTypeDto>))]
    public IResult GetCatalog([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "catalog")] HttpRequest request) =>
        TypedResults.Ok(catalog.All.Select(CredentialTypeDto.From).ToList());

    [Function("WhoAmI")]
    [Allow(Access.AnyRole)]
    [Operation("Who the caller is: name, roles and the clinics they may read", Returns = typeof(MeDto))]
    public async Task<IResult> WhoAmIAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me")] HttpRequest request, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        return TypedResults.Ok(new MeDto(
            ClinicAccess.Actor(user),
            user.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct().ToList(),
            (await access.ReadableAsync(user, ct)).Select(ClinicDto.From).ToList(),
            new UploadLimitsDto(import.Value.MaxBodyBytes, renewal.Value.MaxFileBytes)));
    }
}
