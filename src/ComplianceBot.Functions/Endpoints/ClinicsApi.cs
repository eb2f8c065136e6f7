using System.Net.Mail;
using System.Security.Claims;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using ComplianceBot.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>A clinic as the API shows and accepts it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ClinicDto(
    string? Id,
    string Name,
    string TimeZone,
    string State,
    IReadOnlyList<string>? ManagerEmails,
    int? SendHour,
    IReadOnlyList<string>? BusinessDays,
    bool WaivesCertification = false)
{
    public static ClinicDto From(Clinic c) =>
        new(c.Id, c.Name, c.TimeZoneId, c.State, c.ManagerEmails, c.SendHour, c.BusinessDays.OrderBy(d => ((int)d + 6) % 7).Select(d => d.ToString()).ToList(), c.WaivesCertification);
}

public static partial class ClinicsApi
{
    public static IEndpointRouteBuilder MapClinics(this IEndpointRouteBuilder app)
    {
        app.MapGet(FunctionEndpoints.PathOf("ListClinics"), async (ClaimsPrincipal user, ClinicAccess access, CancellationToken ct) =>
            TypedResults.Ok((await access.ReadableAsync(user, ct)).Select(ClinicDto.From).ToList())).AsFunction("ListClinics");

        app.MapGet(FunctionEndpoints.PathOf("GetClinic"), GetAsync)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AsFunction("GetClinic");

        app.MapPut(FunctionEndpoints.PathOf("PutClinic"), PutAsync)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .AsFunction("PutClinic");
        return app;
    }

    /// <summary>The clinic, with its version as the <c>ETag</c> a conditional PUT sends back in <c>If-Match</c>.</summary>
    private static async Task<Results<Ok<ClinicDto>, ProblemHttpResult>> GetAsync(string clinicId, ClaimsPrincipal user, ClinicAccess access, HttpResponse response, CancellationToken ct)
    {
        if (await access.GetReadableVersionedAsync(user, clinicId, ct) is not { } clinic) return FunctionEndpoints.NotFound("Clinic");
        Preconditions.SetETag(response, clinic.Version);
        return TypedResults.Ok(ClinicDto.From(clinic.Value));
    }

    /// <summary>Creates or replaces a clinic; <c>If-Match</c> (replace that version only) and <c>If-None-Match: *</c> (create only) make it conditional.</summary>
    private static async Task<Results<Created<ClinicDto>, Ok<ClinicDto>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string clinicId, ClinicDto body, ClaimsPrincipal user, IClinicStore clinics, IAuditLog audit, TimeProvider time, HttpRequest request, HttpResponse response, CancellationToken ct)
    {
        if (!Preconditions.TryRead(request, out var precondition, out var badHeader)) return badHeader!;
        if (!Ids.IsClinicId(clinicId)) return FunctionEndpoints.Validation("clinicId", Ids.ClinicIdRule);
        if (body.Id is not null && body.Id != clinicId) return FunctionEndpoints.Validation("id", "does not match the clinic id in the URL");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 120) return FunctionEndpoints.Validation("name", "is required (at most 120 characters)");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(body.TimeZone ?? string.Empty, out _) || !(body.TimeZone ?? string.Empty).Contains('/', StringComparison.Ordinal))
        {
            return FunctionEndpoints.Validation("timeZone", $"'{body.TimeZone}' is not an IANA time zone such as America/Chicago");
        }

        var state = body.State?.Trim().ToUpperInvariant() ?? string.Empty;
        if (!StatePattern().IsMatch(state)) return FunctionEndpoints.Validation("state", "is a two-letter US state such as WA");
        // A replace sends the whole clinic: a missing send hour or manager list is an error, never midnight or nobody.
        if (body.SendHour is not { } sendHour) return FunctionEndpoints.Validation("sendHour", "is required: the local hour (0 to 23) at which reminders go out");
        if (sendHour is < 0 or > 23) return FunctionEndpoints.Validation("sendHour", "is a local hour from 0 to 23");
        if (body.ManagerEmails is not { } managers) return FunctionEndpoints.Validation("managerEmails", "is required: the managers' email addresses ([] for none)");
        foreach (var email in managers)
        {
            if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email) return FunctionEndpoints.Validation("managerEmails", $"'{email}' is not a valid email address");
        }

        var days = new HashSet<DayOfWeek>();
        foreach (var day in body.BusinessDays ?? Clinic.MondayToFriday.Select(d => d.ToString()).ToList())
        {
            if (!Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var parsed) || int.TryParse(day, out _)) return FunctionEndpoints.Validation("businessDays", $"'{day}' is not a day of the week (Monday ... Sunday)");
            days.Add(parsed);
        }

        var clinic = new Clinic(clinicId, body.Name.Trim(), body.TimeZone!, state, managers.ToList(), sendHour, days, body.WaivesCertification);
        var write = await clinics.PutAsync(clinic, precondition, ct);
        if (write.PreconditionFailed) return Preconditions.Failed("Clinic", $"/api/clinics/{clinicId}", precondition, write);
        var created = write.Outcome == WriteOutcome.Created;
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "clinic.put", clinicId, clinicId, created ? "created" : "updated"), ct);
        Preconditions.SetETag(response, write.Version!);
        return created
            ? TypedResults.Created($"/api/clinics/{clinicId}", ClinicDto.From(clinic))
            : TypedResults.Ok(ClinicDto.From(clinic));
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex StatePattern();
}
