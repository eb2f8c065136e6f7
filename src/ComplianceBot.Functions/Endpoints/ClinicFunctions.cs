using System.Globalization;
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
    bool WaivesCertification = false,
    bool RequiresRespirators = false,
    bool ExpectsExtinguisherUse = false,
    bool PerformsWaivedTesting = false,
    IReadOnlyList<string>? ManagerObjectIds = null)
{
    public static ClinicDto From(Clinic c) =>
        new(c.Id, c.Name, c.TimeZoneId, c.State, c.ManagerEmails, c.SendHour, c.BusinessDays.OrderBy(d => ((int)d + 6) % 7).Select(d => d.ToString()).ToList(), c.WaivesCertification,
            c.RequiresRespirators, c.ExpectsExtinguisherUse, c.PerformsWaivedTesting, c.ManagerObjectIds ?? []);
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
    [Responds(200, 201, 400, 412, 415)]
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
        var (clinic, errors) = Validate(clinicId, body);
        if (clinic is null) return Answers.Validation(errors);
        var write = await clinics.PutAsync(clinic, precondition, ct);
        if (write.PreconditionFailed) return Preconditions.Failed("Clinic", $"/api/clinics/{clinicId}", precondition, write);
        var created = write.Outcome == WriteOutcome.Created;
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "clinic.put", clinicId, clinicId, created ? "created" : "updated"), ct);
        Preconditions.SetETag(response, write.Version!);
        return created
            ? TypedResults.Created($"/api/clinics/{clinicId}", ClinicDto.From(clinic))
            : TypedResults.Ok(ClinicDto.From(clinic));
    }

    /// <summary>The most manager addresses a clinic keeps (escalations and the digest go to all of them).</summary>
    public const int MaxManagers = 50;

    /// <summary>The longest clinic name (it heads every email and report).</summary>
    public const int MaxNameLength = 120;

    /// <summary>
    /// Checks every field of a clinic PUT and says what is wrong with each (a replace sends the whole clinic, so
    /// a missing send hour or manager list is an error, never midnight or nobody). Keyed by the body's field names.
    /// </summary>
    internal static (Clinic? Clinic, Dictionary<string, List<string>> Errors) Validate(string clinicId, ClinicDto body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string reason)
        {
            if (!errors.TryGetValue(field, out var reasons)) errors[field] = reasons = [];
            reasons.Add(reason);
        }

        if (body.Id is not null && body.Id != clinicId) Add("id", $"'{body.Id}' does not match the clinic id in the URL ({clinicId}): leave id out or give the same");
        if (NameProblem(body.Name) is { } nameProblem) Add("name", nameProblem);
        var timeZone = body.TimeZone ?? string.Empty;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _) || !timeZone.Contains('/', StringComparison.Ordinal))
        {
            Add("timeZone", body.TimeZone is null ? "is required: an IANA time zone such as America/Chicago" : $"'{body.TimeZone}' is not an IANA time zone such as America/Chicago");
        }

        var state = body.State?.Trim().ToUpperInvariant() ?? string.Empty;
        if (!StatePattern().IsMatch(state)) Add("state", body.State is null ? "is required: a two-letter US state such as WA" : "is a two-letter US state such as WA");
        if (body.SendHour is not { } sendHour) Add("sendHour", "is required: the local hour (0 to 23) at which reminders go out");
        else if (sendHour is < 0 or > 23) Add("sendHour", "is a local hour from 0 to 23");

        if (body.ManagerEmails is not { } managers)
        {
            Add("managerEmails", "is required: the managers' email addresses ([] for none)");
        }
        else
        {
            if (managers.Count > MaxManagers) Add("managerEmails", $"has {managers.Count} addresses; a clinic takes at most {MaxManagers} (use a shared mailbox for a larger group)");
            var invalid = 0;
            foreach (var email in managers)
            {
                if (PlainEmailAddress.TryParse(email, out _, out var problem)) continue;
                if (++invalid <= 10) Add("managerEmails", email is null ? "holds null, which is not an email address" : problem!);
            }

            if (invalid > 10) Add("managerEmails", $"and {invalid - 10} more addresses that are not valid");
        }

        var objectIds = new List<string>();
        if (body.ManagerObjectIds is { } ids)
        {
            if (ids.Count > MaxManagers) Add("managerObjectIds", $"has {ids.Count} ids; a clinic takes at most {MaxManagers}");
            foreach (var id in ids)
            {
                if (Guid.TryParseExact(id?.Trim(), "D", out var objectId)) objectIds.Add(objectId.ToString("D"));
                else Add("managerObjectIds", $"'{id}' is not an Entra object id (a GUID such as 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0, shown as Object ID on the user's page in Entra)");
            }
        }

        var days = new HashSet<DayOfWeek>();
        if (body.BusinessDays is { Count: 0 })
        {
            Add("businessDays", "is empty, so this clinic would never send a reminder: list the days reminders may go out (Monday ... Sunday), or leave businessDays out for Monday to Friday");
        }

        foreach (var day in body.BusinessDays ?? Clinic.MondayToFriday.Select(d => d.ToString()).ToList())
        {
            if (Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var parsed) && !int.TryParse(day, out _)) days.Add(parsed);
            else Add("businessDays", $"'{day}' is not a day of the week (Monday ... Sunday)");
        }

        return errors.Count > 0
            ? (null, errors)
            : (new Clinic(clinicId, body.Name.Trim(), timeZone, state, body.ManagerEmails!.ToList(), body.SendHour!.Value, days, body.WaivesCertification,
                body.RequiresRespirators, body.ExpectsExtinguisherUse, body.PerformsWaivedTesting, objectIds.Distinct(StringComparer.Ordinal).ToList()), errors);
    }

    /// <summary>
    /// Why a clinic name cannot be used, or null. The name heads emails and reports, so it is one line of visible
    /// text: no line breaks or other control characters, something visible besides spaces and invisible
    /// formatting characters, and no text-direction overrides (which make a name display as something it is not).
    /// </summary>
    internal static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return $"is required (at most {MaxNameLength} characters)";
        if (name.Length > MaxNameLength) return $"has {name.Length} characters; at most {MaxNameLength} are allowed";
        if (name.Any(c => c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029')) return "contains a line break: a clinic name is one line";
        if (name.Any(c => (c is >= '\u202A' and <= '\u202E') || (c is >= '\u2066' and <= '\u2069')))
        {
            return "contains a text direction control character (U+202A to U+202E or U+2066 to U+2069), which can make the name display as something else: type the name again without it";
        }

        if (name.Any(char.IsControl)) return "contains a control character (such as a tab): type the name again as plain text";
        if (name.All(c => char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.SpaceSeparator or UnicodeCategory.Control || char.IsWhiteSpace(c)))
        {
            return "has no visible character (only spaces or invisible formatting characters)";
        }

        return null;
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex StatePattern();
}
