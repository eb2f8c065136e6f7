using System.Security.Claims;
using ComplianceBot.Files;
using System.Text.Json;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Application.Import;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Domain.Model;
using ComplianceBot.Functions.Security;
using ComplianceBot.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// One person: read with statuses, create or replace, deactivate, record one renewal. GET and PUT answer the
/// person's row version as an <c>ETag</c>; a PUT with <c>If-Match</c> or <c>If-None-Match: *</c> is conditional.
/// </summary>
public sealed class StaffFunctions(
    ComplianceReportService reports,
    IStaffStore staff,
    ClinicAccess access,
    ImportService import,
    ICredentialRecordStore records,
    CredentialCatalog catalog,
    IAuditLog audit,
    TimeProvider time)
{
    private static readonly string[] CredentialFields = ["issued_on", "completed_on", "expires_on", "credential_number"];

    /// <summary>The person and their statuses; the <c>ETag</c> versions the person's row (what PUT replaces), not the statuses.</summary>
    [Function("GetStaff")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 400, 404)]
    [Query("asOf", "The date to evaluate on (YYYY-MM-DD); default: today in the person's clinic.")]
    [Operation("One person and the status of each of their credentials, with the person's ETag", Returns = typeof(StaffComplianceDto))]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/{employeeId}")] HttpRequest request, string employeeId, CancellationToken ct)
    {
        var asOf = request.Query["asOf"].FirstOrDefault();
        var response = request.HttpContext.Response;
        var person = await ReadablePersonAsync(employeeId, request.HttpContext.User, ct);
        if (person is null) return Answers.NotFound("Staff member");
        if (!RequestEdge.TryAsOf(asOf, out var asOfDate, out var badDate)) return Answers.InvalidQuery("asOf", badDate!);
        var date = asOfDate ?? ComplianceReportService.Today(person.Value.Clinic, time);
        var result = await reports.ForStaffAsync(employeeId, date, ct);
        Preconditions.SetETag(response, person.Value.Version);
        return TypedResults.Ok(StaffComplianceDto.From(result!.Value.Compliance));
    }

    [Function("PutStaff")]
    [Allow(Access.Hr)]
    [Responds(200, 201, 400, 412, 415)]
    [Operation("Create or replace one person (the roster's columns as JSON fields, camelCase or snake_case: firstName or first_name)", Body = typeof(Dictionary<string, string>), Returns = typeof(StaffDto))]
    public async Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "staff/{employeeId}")] HttpRequest request, string employeeId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var response = request.HttpContext.Response;
        if (!Preconditions.TryRead(request, out var precondition, out var badHeader)) return badHeader!;
        var (body, unreadable) = await RequestEdge.ReadJsonAsync<JsonElement>(request, ct);
        if (unreadable is not null) return unreadable;
        if (!JsonFields.TryRead(body, ImportService.RosterColumns, out var fields, out var problem)) return problem!;
        if (fields.Values.TryGetValue("employee_id", out var bodyId) && bodyId is not null && bodyId != employeeId)
        {
            return Answers.Validation(fields.NameOf("employee_id"), "does not match the employee id in the URL");
        }

        fields.Values["employee_id"] = employeeId;
        var (member, error) = await import.ValidateStaffAsync(fields.Values, ct);
        if (member is null) return Answers.Validation(fields.NameOf(error!.Field), error.Reason);
        var write = await staff.PutAsync(member, precondition, ct);
        if (write.PreconditionFailed) return Preconditions.Failed("Staff member", $"/api/staff/{employeeId}", precondition, write);
        var outcome = write.Outcome;
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "staff.put", member.ClinicId, employeeId, outcome.ToString()), ct);
        Preconditions.SetETag(response, write.Version!);
        return outcome == WriteOutcome.Created
            ? TypedResults.Created($"/api/staff/{employeeId}", StaffDto.From(member))
            : TypedResults.Ok(StaffDto.From(member));
    }

    [Function("DeleteStaff")]
    [Allow(Access.Hr)]
    [Responds(204, 404)]
    [Operation("Deactivate one person (their history stays)")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "staff/{employeeId}")] HttpRequest request, string employeeId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var member = await staff.GetAsync(employeeId, ct);
        if (member is null) return Answers.NotFound("Staff member");
        if (member.Active)
        {
            await staff.UpsertManyAsync([member with { Active = false }], ct);
        }

        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "staff.deactivate", member.ClinicId, employeeId, "ok"), ct);
        return TypedResults.NoContent();
    }

    [Function("PutCredential")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 201, 400, 404, 409, 415)]
    [Operation("Record one renewal of one person's credential (issuedOn or completedOn, expiresOn, credentialNumber; snake_case also accepted)", Body = typeof(Dictionary<string, string>), Returns = typeof(StaffComplianceDto))]
    public async Task<IResult> PutCredentialAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "staff/{employeeId}/credentials/{code}")] HttpRequest request, string employeeId, string code, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var (body, unreadable) = await RequestEdge.ReadJsonAsync<JsonElement>(request, ct);
        if (unreadable is not null) return unreadable;
        var person = await ReadablePersonAsync(employeeId, user, ct);
        if (person is null) return Answers.NotFound("Staff member");
        if (!catalog.TryResolve(code, out var type))
        {
            // The catalog is readable by anyone signed in, so this says plainly that the code is not in it.
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Credential type not found",
                detail: $"'{code}' is not in the credential catalog (neither a code nor an alias). The codes and their aliases are listed by GET /api/catalog and by the command compliancebot catalog.");
        }
        if (!person.Value.Staff.Active)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Staff member is deactivated",
                detail: $"{employeeId} is deactivated, so no credential is recorded for them. Reactivate them first (PUT /api/staff/{employeeId} with \"active\": true), then record the credential.");
        }

        if (!JsonFields.TryRead(body, CredentialFields, out var fields, out var problem)) return problem!;
        fields.Values["employee_id"] = employeeId;
        fields.Values["credential"] = type.Code;

        var actor = ClinicAccess.Actor(user);
        var (record, error) = import.ValidateRenewal(person.Value.Staff, fields.Values, "api");
        if (record is null) return Answers.Validation(fields.NameOf(error!.Field), error.Reason);
        var outcome = (await records.UpsertManyAsync(person.Value.Staff.ClinicId, [record], ct))[0];
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), actor, "credential.put", person.Value.Staff.ClinicId, $"{employeeId}/{type.Code}", outcome.ToString()), ct);

        var date = ComplianceReportService.Today(person.Value.Clinic, time);
        var refreshed = await reports.ForStaffAsync(employeeId, date, ct);
        var dto = StaffComplianceDto.From(refreshed!.Value.Compliance);
        return outcome == WriteOutcome.Created
            ? TypedResults.Created($"/api/staff/{employeeId}", dto)
            : TypedResults.Ok(dto);
    }

    private async Task<(Clinic Clinic, StaffMember Staff, string Version)?> ReadablePersonAsync(string employeeId, ClaimsPrincipal user, CancellationToken ct)
    {
        var person = await staff.GetVersionedAsync(employeeId, ct);
        if (person is null) return null;
        var clinic = await access.GetReadableAsync(user, person.Value.ClinicId, ct);
        return clinic is null ? null : (clinic, person.Value, person.Version);
    }
}
