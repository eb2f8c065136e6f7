using System.Net.Mail;
using System.Security.Claims;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using ComplianceBot.Functions.Security;
using ComplianceBot.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

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

/// <summary>The clinics: list those the caller may read, read one, create or replace one (HR).</summary>
public sealed partial class ClinicFunctions(ClinicAccess access, IClinicStore clinics, IAuditLog audit, TimeProvider time)
{
    [Function("ListClinics")]
    [Allow(Access.AnyRole)]
    [Operation("The clinics the caller may read", Returns = typeof(IReadOnlyList<ClinicDto>))]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clinics")] HttpRequest request, CancellationToken ct) =>
        TypedResults.Ok((await access.ReadableAsync(request.HttpContext.User, ct)).Select(ClinicDto.From).ToList());

    /// <summary>The clinic, with its version as the <c>ETag</c> a conditional PUT sends back in <c>If-Match</c>.</summary>
    [Function("GetClinic")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 404)]
    [Operation("One clinic, with its ETag", Returns = typeof(ClinicDto))]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clinics/{clinicId}")] HttpRequest request, string clinicId, CancellationToken ct)
    {
        if (await access.GetReadableVersionedAsync(request.HttpContext.User, clinicId, ct) is not { } clinic) return Answers.NotFound("Clinic");
        Preconditions.SetETag(request.HttpContext.Response, clinic.Version);
        return TypedResults.Ok(ClinicDto.From(clinic.Value));
    }

    /// <summary>Creates or replaces a clinic; <c>If-Match</c> (replace that version only) and <c>If-None-Match: *</c> (create only) make it conditional.</summary>
    [Function("PutClinic")]
    [Allow(Access.Hr)]
    [Responds(200, 201, 400, 412)]
    [Operation("Create or replace a clinic (If-Match: replace that version only; If-None-Match: * create only)", Body = typeof(ClinicDto), Returns = typeof(ClinicDto))]
    public async Task<IResult> PutAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "clinics/{clinicId}")] HttpRequest request, string clinicId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var response = request.HttpContext.Response;
        if (!Preconditions.TryRead(request, out var precondition, out var badHeader)) return badHeader!;
        var (body, unreadable) = await RequestEdge.ReadJsonAsync<ClinicDto>(request, ct);
        if (body is null) return unreadable!;
        if (!Ids.IsClinicId(clinicId)) return Answers.Validation("clinicId", Ids.ClinicIdRule);
        if (body.Id is not null && body.Id != clinicId) return Answers.Validation("id", "does not match the clinic id in the URL");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 120) return Answers.Validation("name", "is required (at most 120 characters)");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(body.TimeZone ?? string.Empty, out _) || !(body.TimeZone ?? string.Empty).Contains('/', StringComparison.Ordinal))
        {
            return Answers.Validation("timeZone", $"'{body.TimeZone}' is not an IANA time zone such as America/Chicago");
        }

        var state = body.State?.Trim().ToUpperInvariant() ?? string.Empty;
        if (!StatePattern().IsMatch(state)) return Answers.Validation("state", "is a two-letter US state such as WA");
        // A replace sends the whole clinic: a missing send hour or manager list is an error, never midnight or nobody.
        if (body.SendHour is not { } sendHour) return Answers.Validation("sendHour", "is required: the local hour (0 to 23) at which reminders go out");
        if (sendHour is < 0 or > 23) return Answers.Validation("sendHour", "is a local hour from 0 to 23");
        if (body.ManagerEmails is not { } managers) return Answers.Validation("managerEmails", "is required: the managers' email addresses ([] for none)");
        foreach (var email in managers)
        {
            if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email) return Answers.Validation("managerEmails", $"'{email}' is not a valid email address");
        }

        var days = new HashSet<DayOfWeek>();
        foreach (var day in body.BusinessDays ?? Clinic.MondayToFriday.Select(d => d.ToString()).ToList())
        {
            if (!Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var parsed) || int.TryParse(day, out _)) return Answers.Validation("businessDays", $"'{day}' is not a day of the week (Monday ... Sunday)");
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
