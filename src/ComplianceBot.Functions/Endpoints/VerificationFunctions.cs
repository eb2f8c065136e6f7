using System.Security.Claims;
using System.Text.Json;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Renewals;
using ComplianceBot.Domain.Model;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// The verification queue of a clinic, for HR and the clinic's managers: pending self-service renewals with their
/// certificate file, approve, or reject with a reason. A manager of another clinic gets 404, as for every clinic read.
/// </summary>
public sealed class VerificationFunctions(ClinicAccess access, VerificationService verification, ISubmissionStore submissions, IEvidenceStore evidence, IAuditLog audit, TimeProvider time)
{
    [Function("ListSubmissions")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 404)]
    [Operation("Self-service renewals of the clinic waiting for verification, oldest first, with the computed and printed dates", Returns = typeof(IReadOnlyList<QueueEntryDto>))]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clinics/{clinicId}/submissions")] HttpRequest request, string clinicId, CancellationToken ct)
    {
        var clinic = await access.GetReadableAsync(request.HttpContext.User, clinicId, ct);
        if (clinic is null) return Answers.NotFound("Clinic");
        var pending = await verification.PendingAsync(clinic, ct);
        return TypedResults.Ok(pending.Select(QueueEntryDto.From).ToList());
    }

    [Function("ApproveSubmission")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 404, 409)]
    [Operation("Approve a pending renewal: it becomes the person's current record (verified, with its certificate), and the old reminder series stops")]
    public async Task<IResult> ApproveAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clinics/{clinicId}/submissions/{submissionId}/approve")] HttpRequest request, string clinicId, string submissionId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var (clinic, notFound) = await SubmissionClinicAsync(user, clinicId, submissionId, ct);
        if (clinic is null) return notFound!;
        return Decided(await verification.ApproveAsync(clinic, submissionId, ClinicAccess.Actor(user), ct), "approved");
    }

    [Function("RejectSubmission")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 400, 404, 409, 415)]
    [Operation("Reject a pending renewal with a reason ({\"reason\": \"...\"}); the person is emailed the reason with a fresh link", Body = typeof(RejectionDto))]
    public async Task<IResult> RejectAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clinics/{clinicId}/submissions/{submissionId}/reject")] HttpRequest request, string clinicId, string submissionId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var (clinic, notFound) = await SubmissionClinicAsync(user, clinicId, submissionId, ct);
        if (clinic is null) return notFound!;
        var (body, unreadable) = await RequestEdge.ReadJsonAsync<JsonElement>(request, ct);
        if (unreadable is not null) return unreadable;
        var reason = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()!.Trim() : null;
        if (string.IsNullOrEmpty(reason)) return Answers.Validation("reason", "is required: say what is wrong, so the person can send it again (it is emailed to them).");
        if (reason.Length > VerificationService.MaxReasonLength) return Answers.Validation("reason", $"is at most {VerificationService.MaxReasonLength} characters.");
        if (reason.Any(char.IsControl)) return Answers.Validation("reason", "is one line of text, without line breaks or control characters.");
        return Decided(await verification.RejectAsync(clinic, submissionId, ClinicAccess.Actor(user), reason, ct), "rejected");
    }

    [Function("GetSubmissionFile")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 404)]
    [Operation("The certificate file of a submission, always as a download")]
    public async Task<IResult> GetFileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clinics/{clinicId}/submissions/{submissionId}/file")] HttpRequest request, string clinicId, string submissionId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var (clinic, notFound) = await SubmissionClinicAsync(user, clinicId, submissionId, ct);
        if (clinic is null) return notFound!;
        var found = await submissions.GetAsync(clinic.Id, submissionId, ct);
        if (found is null) return Answers.NotFound("Submission");
        var s = found.Value;
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "read.evidence", clinic.Id, $"{s.EmployeeId}/{s.CredentialCode}", "ok", $"submission {s.Id}"), ct);
        return await EvidenceDownload.ServeAsync(evidence, request.HttpContext, s.EvidenceBlob, $"{s.EmployeeId}-{s.CredentialCode}-{s.SubmittedAt:yyyyMMdd}", ct);
    }

    /// <summary>The clinic, when the caller may read it and the submission id is one a submission could have; otherwise the 404 to answer.</summary>
    private async Task<(Clinic? Clinic, IResult? NotFound)> SubmissionClinicAsync(ClaimsPrincipal user, string clinicId, string submissionId, CancellationToken ct)
    {
        var clinic = await access.GetReadableAsync(user, clinicId, ct);
        if (clinic is null) return (null, Answers.NotFound("Clinic"));
        return IsSubmissionId(submissionId) ? (clinic, null) : (null, Answers.NotFound("Submission"));
    }

    /// <summary>Ids are 19 digits, a hyphen and 12 hex digits; anything else names nothing (and never reaches a table key).</summary>
    private static bool IsSubmissionId(string id) =>
        id.Length is > 0 and <= 40 && id.All(c => char.IsAsciiDigit(c) || char.IsAsciiHexDigitLower(c) || c == '-');

    private static IResult Decided(DecisionOutcome outcome, string state) => outcome switch
    {
        DecisionOutcome.Done => TypedResults.Ok(new DecisionDto(state)),
        DecisionOutcome.NotFound => Answers.NotFound("Submission"),
        _ => Answers.Problem(StatusCodes.Status409Conflict, "Already decided", "This submission was approved, rejected or replaced by a newer one before your decision; reload the queue."),
    };
}

/// <summary>Serves a certificate file only as a download: never rendered by the browser, whatever its bytes.</summary>
internal static class EvidenceDownload
{
    public static Task<IResult> ServeAsync(EvidenceService evidence, HttpContext http, string blob, string baseName, CancellationToken ct) =>
        ServeAsync(evidence.OpenAsync, http, blob, baseName, ct);

    public static Task<IResult> ServeAsync(IEvidenceStore evidence, HttpContext http, string blob, string baseName, CancellationToken ct) =>
        ServeAsync(evidence.OpenReadAsync, http, blob, baseName, ct);

    private static async Task<IResult> ServeAsync(Func<string, CancellationToken, Task<EvidenceFile?>> open, HttpContext http, string blob, string baseName, CancellationToken ct)
    {
        var file = await open(blob, ct);
        if (file is null) return Answers.NotFound("File");
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.CacheControl = "no-store";
        var name = new string(baseName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray()) + EvidenceType.Extension(file.ContentType);
        return TypedResults.Stream(file.Content, file.ContentType, fileDownloadName: name);
    }
}

public sealed record RejectionDto(string Reason);

public sealed record DecisionDto(string State);

/// <summary>One pending renewal in the queue.</summary>
/// <param name="DueOn">The due date approval would give (the printed date wins).</param>
/// <param name="ComputedDueOn">What the catalog rule computes from the issue date, for the cross-check.</param>
/// <param name="DateCheck">The printed and computed dates disagree by more than a month: check the card.</param>
public sealed record QueueEntryDto(
    string Id,
    string EmployeeId,
    string Name,
    string Credential,
    string CredentialName,
    DateTimeOffset SubmittedAt,
    DateOnly IssuedOn,
    DateOnly? PrintedExpiresOn,
    DateOnly? DueOn,
    DateOnly? ComputedDueOn,
    bool DateCheck,
    string? CredentialNumberMasked,
    string FileUrl,
    string FileType,
    long FileBytes)
{
    public static QueueEntryDto From(QueueEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var s = e.Submission;
        return new QueueEntryDto(
            s.Id,
            s.EmployeeId,
            e.Person.DisplayName,
            e.Credential.Code,
            e.Credential.Name,
            s.SubmittedAt,
            s.IssuedOn,
            s.PrintedExpiresOn,
            e.Status?.DueDate,
            e.Status?.ComputedDueDate,
            e.Status?.DateCheckRequired ?? false,
            CredentialNumbers.Mask(s.CredentialNumber),
            $"/api/clinics/{s.ClinicId}/submissions/{s.Id}/file",
            s.EvidenceContentType,
            s.EvidenceBytes);
    }
}
