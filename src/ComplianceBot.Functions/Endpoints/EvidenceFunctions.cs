using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Renewals;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// The certificate file of a person's current record: HR attaches one to any record; HR and the person's managers
/// download it (always as an attachment, never shown inline).
/// </summary>
public sealed class EvidenceFunctions(IStaffStore staff, ClinicAccess access, CredentialCatalog catalog, EvidenceService evidence, EvidenceUpload upload, IAuditLog audit, TimeProvider time)
{
    [Function("PutCredentialFile")]
    [Allow(Access.Hr)]
    [Responds(204, 404, 409, 413, 415)]
    [Operation("Attach the certificate file (the body: JPEG, PNG or PDF, decided from its bytes) to a person's current record; the file it had stays in storage", BodyMediaTypes = ["image/jpeg", "image/png", "application/pdf"])]
    public async Task<IResult> PutAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "staff/{employeeId}/credentials/{code}/file")] HttpRequest request, string employeeId, string code, CancellationToken ct)
    {
        if (request.ContentLength > upload.MaxFileBytes) return TooLarge();
        var person = await ReadableAsync(request, employeeId, ct);
        if (person is null) return Answers.NotFound("Staff member");
        if (!catalog.TryResolve(code, out var type)) return Answers.NotFound("Credential type");
        var (failure, problem) = await evidence.AttachAsync(person, type.Code, request.Body, ClinicAccess.Actor(request.HttpContext.User), ct);
        return failure switch
        {
            AttachFailure.None => TypedResults.NoContent(),
            AttachFailure.NoRecord => Answers.Problem(StatusCodes.Status409Conflict, "No record to attach to", problem!),
            AttachFailure.TooLarge => TooLarge(),
            _ => Answers.Problem(StatusCodes.Status415UnsupportedMediaType, "This file cannot be used", "The body " + problem),
        };
    }

    [Function("GetCredentialFile")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 404)]
    [Operation("The certificate file of a person's current record, always as a download")]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/{employeeId}/credentials/{code}/file")] HttpRequest request, string employeeId, string code, CancellationToken ct)
    {
        var person = await ReadableAsync(request, employeeId, ct);
        if (person is null) return Answers.NotFound("Staff member");
        if (!catalog.TryResolve(code, out var type)) return Answers.NotFound("Credential type");
        var blob = await evidence.EvidenceOfAsync(person, type.Code, ct);
        if (blob is null) return Answers.NotFound("File");
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(request.HttpContext.User), "read.evidence", person.ClinicId, $"{person.EmployeeId}/{type.Code}", "ok"), ct);
        return await EvidenceDownload.ServeAsync(evidence, request.HttpContext, blob, $"{person.EmployeeId}-{type.Code}", ct);
    }

    private Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge() =>
        Answers.Problem(StatusCodes.Status413PayloadTooLarge, "File too large", $"The certificate may be at most {upload.MaxFileBytes / (1024 * 1024)} MB. Nothing was stored.");

    private async Task<StaffMember?> ReadableAsync(HttpRequest request, string employeeId, CancellationToken ct)
    {
        var person = await staff.GetAsync(employeeId, ct);
        if (person is null) return null;
        return await access.GetReadableAsync(request.HttpContext.User, person.ClinicId, ct) is null ? null : person;
    }
}
