using ComplianceBot.Application.Renewals;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// What a staff member's personal renewal link opens: their own due, expiring and missing items, and a submission
/// of one of them with the certificate file. The link (<see cref="RenewalLinkAuthentication"/>) names the person;
/// nothing here takes a person or clinic from the request.
/// </summary>
public sealed class RenewalFunctions(SelfServiceRenewalService renewals, IOptions<RenewalOptions> options)
{
    /// <summary>Form fields a submission takes, as the page names them, and the record column each one is.</summary>
    private static readonly Dictionary<string, string> FormFields = new(StringComparer.Ordinal)
    {
        ["issuedOn"] = "issued_on",
        ["expiresOn"] = "expires_on",
        ["credentialNumber"] = "credential_number",
    };

    // Room for the form's boundaries, headers and the three short fields around the file.
    private const long FormOverheadBytes = 64 * 1024;
    private const int MaxFieldLength = 256;

    [Function("GetRenewal")]
    [Allow(Access.RenewalLink)]
    [Responds(200, 401, 404, 410, 429)]
    [Operation("The renewal page of the person the link names: their due, expiring and missing items and their submissions", Returns = typeof(RenewalPageDto))]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "renewal")] HttpRequest request, CancellationToken ct)
    {
        var grant = RenewalLinkAuthentication.Grant(request.HttpContext);
        var page = await renewals.PageAsync(grant, ct);
        return page is null ? Revoked() : TypedResults.Ok(RenewalPageDto.From(page, grant, options.Value.MaxFileBytes));
    }

    [Function("SubmitRenewal")]
    [Allow(Access.RenewalLink)]
    [Responds(201, 400, 401, 404, 409, 410, 413, 415, 429)]
    [Operation(
        "Send one renewal: multipart/form-data with code (the credential, e.g. BLS), issuedOn (YYYY-MM-DD, required), expiresOn, credentialNumber, then file (JPEG, PNG or PDF, at most 10 MB by default). Stored as pending until HR or a manager verifies it",
        BodyMediaTypes = ["multipart/form-data"],
        Returns = typeof(RenewalSubmissionDto))]
    public async Task<IResult> SubmitAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "renewal")] HttpRequest request, CancellationToken ct)
    {
        var grant = RenewalLinkAuthentication.Grant(request.HttpContext);
        var max = options.Value.MaxFileBytes;
        if (request.ContentLength > max + FormOverheadBytes) return TooLarge(max);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType.Value, "multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return Answers.Problem(StatusCodes.Status415UnsupportedMediaType, "Send a form", "Send multipart/form-data with the fields code, issuedOn, expiresOn and credentialNumber, then the file (the renewal page does this).");
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 8 };
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? code = null;
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFormDisposition() && !disposition.IsFileDisposition())
            {
                return Answers.BadRequest("Unreadable form", "A part of the form has no form-data Content-Disposition; send the form as a browser does.");
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
            if (disposition.IsFileDisposition() || name == "file")
            {
                if (name != "file") return Answers.Validation(name, "is not a field this form takes; send the certificate as the field named file.");
                if (string.IsNullOrWhiteSpace(code)) return Answers.Validation("code", "is required before the file: the credential this renewal is for (one of the codes the renewal page lists).");
                var outcome = await renewals.SubmitAsync(grant, code, fields, section.Body, ct);
                return Answer(outcome, max);
            }

            if (name == "code")
            {
                if (code is not null) return Answers.Validation(name, "is given twice; give it once.");
                code = await ReadFieldAsync(section.Body, ct) ?? string.Empty;
                continue;
            }

            if (!FormFields.TryGetValue(name, out var column))
            {
                return Answers.Validation(name, $"is not a field this form takes (code, {string.Join(", ", FormFields.Keys)} and file).");
            }

            if (fields.ContainsKey(column)) return Answers.Validation(name, "is given twice; give it once.");
            var value = await ReadFieldAsync(section.Body, ct);
            if (value is null) return Answers.Validation(name, $"is longer than {MaxFieldLength} characters.");
            fields[column] = value;
        }

        return Answers.Validation("file", $"is required: {EvidenceType.Accepted}, sent after the other fields.");
    }

    private static IResult Answer(SubmitOutcome outcome, long max) => outcome.Failure switch
    {
        SubmitFailure.None => TypedResults.Created("/api/renewal", RenewalSubmissionDto.From(outcome.Submission!)),
        SubmitFailure.Revoked => Revoked(),
        SubmitFailure.NotOpen => Answers.Problem(StatusCodes.Status409Conflict, "Nothing to send for this item", outcome.Problem!),
        SubmitFailure.UnsupportedFile => TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "This file cannot be used",
            detail: $"file: {outcome.Problem}",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["file"] = [outcome.Problem!] } }),
        SubmitFailure.TooLarge => TooLarge(max),
        _ => Answers.Validation(CamelName(outcome.Field!), outcome.Problem!),
    };

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge(long max) =>
        Answers.Problem(StatusCodes.Status413PayloadTooLarge, "File too large", $"file: the certificate may be at most {max / (1024 * 1024)} MB. Take the photo again at a lower resolution, or send a PDF. Nothing was stored.");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Revoked() =>
        Answers.Problem(StatusCodes.Status410Gone, "This link no longer works", "The link was for a record that has since changed (you moved to another clinic or left). Ask your office manager for a new link.");

    /// <summary>The page's name of a record column an error names (issued_on is the form's issuedOn).</summary>
    private static string CamelName(string column) => FormFields.FirstOrDefault(f => f.Value == column).Key ?? column;

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        using var text = new StreamReader(body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
        var buffer = new char[MaxFieldLength + 1];
        var read = await text.ReadBlockAsync(buffer.AsMemory(), ct);
        return read > MaxFieldLength ? null : new string(buffer, 0, read);
    }
}

/// <summary>The renewal page's data: only the person the link names.</summary>
public sealed record RenewalPageDto(string FirstName, string ClinicName, DateOnly AsOf, DateTimeOffset LinkExpiresAt, long MaxFileBytes, IReadOnlyList<RenewalItemDto> Items)
{
    public static RenewalPageDto From(RenewalPage page, RenewalGrant grant, long maxFileBytes)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(grant);
        return new RenewalPageDto(page.Person.FirstName, page.Clinic.Name, page.AsOf, grant.ExpiresAt, maxFileBytes, page.Items.Select(RenewalItemDto.From).ToList());
    }
}

/// <summary>One item: where it stands, what renewal takes, the codes it may be sent as, and its latest submission.</summary>
public sealed record RenewalItemDto(
    string Requirement,
    string RequirementKey,
    string State,
    DateOnly? DueOn,
    int? DaysLeft,
    string? RenewalSteps,
    IReadOnlyList<RenewalCodeDto> Codes,
    RenewalSubmissionDto? Submission)
{
    public static RenewalItemDto From(RenewalItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var status = item.Status;
        return new RenewalItemDto(
            status.Requirement,
            status.RequirementKey,
            ComplianceBot.Files.ComplianceCsv.StatusText(status.State),
            status.DueDate,
            status.DaysLeft,
            (status.Credential ?? (item.Codes.Count > 0 ? item.Codes[0] : null))?.RenewalSteps,
            item.Codes.Select(c => new RenewalCodeDto(c.Code, c.Name)).ToList(),
            item.Latest is null ? null : RenewalSubmissionDto.From(item.Latest));
    }
}

public sealed record RenewalCodeDto(string Code, string Name);

/// <summary>A submission as its sender sees it (the number is not echoed back).</summary>
public sealed record RenewalSubmissionDto(string Id, string Credential, string State, DateTimeOffset SubmittedAt, DateOnly IssuedOn, DateOnly? ExpiresOn, DateTimeOffset? DecidedAt, string? Reason)
{
    public static RenewalSubmissionDto From(Submission s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new RenewalSubmissionDto(s.Id, s.CredentialCode, JsonNaming.SnakeCase(s.State.ToString()), s.SubmittedAt, s.IssuedOn, s.PrintedExpiresOn, s.DecidedAt, s.Reason);
    }
}

/// <summary>Enum names as the API writes them (<c>NeedsDateCheck</c> is <c>needs_date_check</c>).</summary>
internal static class JsonNaming
{
    public static string SnakeCase(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
