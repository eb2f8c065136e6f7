using ComplianceBot.Files;
using ComplianceBot.Application.Import;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>Limits of the import endpoints. Config section <c>Import</c>.</summary>
public sealed class ImportOptions
{
    /// <summary><c>Import:MaxBodyBytes</c>: largest accepted body; larger ones get 413 and nothing is imported. Default 10 MB.</summary>
    public long MaxBodyBytes { get; set; } = 10 * 1024 * 1024;
}

/// <summary>HR uploads of the roster and of training records (CSV or JSON), with per-row errors.</summary>
public sealed class ImportFunctions(ImportService import, IOptions<ImportOptions> options)
{
    [Function("ImportStaff")]
    [Allow(Access.Hr)]
    [BulkWrite]
    [Responds(200, 400, 413, 415, 422)]
    [Query("dryRun", "true: check every row and answer what would change, importing nothing (dry_run is the same parameter).")]
    [Operation("Import the roster (CSV or JSON rows of the roster's columns)", BodyMediaTypes = ["text/csv", "application/json"], Returns = typeof(ImportResult))]
    public Task<IResult> ImportStaffAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/import")] HttpRequest request, CancellationToken ct) =>
        ImportAsync(request.HttpContext, options.Value, (rows, req, stop) => import.ImportRosterAsync(rows, req, stop), ct);

    [Function("ImportRecords")]
    [Allow(Access.Hr)]
    [BulkWrite]
    [Responds(200, 400, 413, 415, 422)]
    [Query("dryRun", "true: check every row and answer what would change, importing nothing (dry_run is the same parameter).")]
    [Operation("Import training and credential records (CSV or JSON rows)", BodyMediaTypes = ["text/csv", "application/json"], Returns = typeof(ImportResult))]
    public Task<IResult> ImportRecordsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "records/import")] HttpRequest request, CancellationToken ct) =>
        ImportAsync(request.HttpContext, options.Value, (rows, req, stop) => import.ImportRecordsAsync(rows, req, stop), ct);

    /// <summary>
    /// Imports that started more than a minute ago and never recorded their end: the process running them was stopped
    /// part-way, so some rows may be stored and others not. Uploading the same file again completes it.
    /// </summary>
    [Function("ListUnfinishedImports")]
    [Allow(Access.Hr)]
    [Responds(200, 400)]
    [Query("unfinished", "true (required): imports of the last 30 days that started over a minute ago and never finished.")]
    [Operation("Imports that never finished (stopped part-way): upload those files again", Returns = typeof(IReadOnlyList<UnfinishedImport>))]
    public async Task<IResult> ListUnfinishedAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "imports")] HttpRequest request, CancellationToken ct)
    {
        foreach (var key in request.Query.Keys)
        {
            if (key is "unfinished") continue;
            return Answers.BadRequest("Unknown query parameter", $"'{key}' is not a parameter of this operation; it takes unfinished=true.");
        }

        var text = request.Query["unfinished"].ToString();
        if (!bool.TryParse(text, out var unfinished) || !unfinished)
        {
            var reason = string.IsNullOrEmpty(text) ? "is required: give unfinished=true" : $"'{text}' is not supported: give unfinished=true (only unfinished imports are listed)";
            return Answers.InvalidQuery("unfinished", reason);
        }

        return TypedResults.Ok(await import.ListUnfinishedAsync(ct));
    }

    private static async Task<IResult> ImportAsync(
        HttpContext context,
        ImportOptions options,
        Func<IAsyncEnumerable<RawRow>, ImportRequest, CancellationToken, Task<ImportResult>> run,
        CancellationToken invocation)
    {
        var user = context.User;
        var dryRunText = context.Request.Query.TryGetValue("dryRun", out var given) ? given.ToString() : null;
        // A misspelt parameter must not turn a dry run into a real import: only dryRun is known here, and
        // dry_run (the CSV columns' spelling) is taken as the same thing.
        foreach (var key in context.Request.Query.Keys)
        {
            if (key is "dryRun" or "dry_run") continue;
            return Answers.BadRequest("Unknown query parameter", $"'{key}' is not a parameter of this operation; it takes dryRun=true or dryRun=false (nothing else).");
        }

        var dryRunName = "dryRun";
        if (context.Request.Query.ContainsKey("dry_run"))
        {
            if (dryRunText is not null) return Answers.BadRequest("Unknown query parameter", "Give dryRun once (dry_run is the same parameter).");
            dryRunText = context.Request.Query["dry_run"].ToString();
            dryRunName = "dry_run";
        }

        var dryRun = false;
        if (dryRunText is not null && !bool.TryParse(dryRunText, out dryRun))
        {
            // The same title as a dryRun without a value (RequestEdgeMiddleware): only the value differs.
            var reason = $"'{dryRunText}' is not a valid {dryRunName}: give true or false.";
            return Answers.InvalidQuery(dryRunName, reason, reason);
        }

        var format = TabularReader.FormatOf(context.Request.ContentType);
        if (format is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type",
                detail: $"Send text/csv or application/json, not '{context.Request.ContentType}'.");
        }

        if (context.Request.ContentLength > options.MaxBodyBytes)
        {
            return TooLarge(options);
        }

        // Kestrel enforces the cap while streaming; the wrapper enforces it everywhere else too.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxBodyBytes;
        }

        // The client going away (or the host stopping the invocation) stops the reading and the writes alike.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocation, context.RequestAborted);
        await using var body = Capped(context.Request.Body, options.MaxBodyBytes);
        try
        {
            // Rows are written in chunks while the body is read, so a body of unknown length (chunked) is
            // first read to its end into a temporary file: one over the cap gets 413 before any row is written.
            // So is JSON, whose syntax is checked whole before the first row is read (CSV has no such errors).
            await using Stream source = context.Request.ContentLength is null || format == TabularFormat.Json
                ? await RequestBodySpool.SpoolAsync(body, Path.GetTempPath(), stop.Token)
                : body;
            var result = await run(TabularReader.ReadAsync(source, format.Value, stop.Token), new ImportRequest(Security.ClinicAccess.Actor(user), dryRun), stop.Token);
            return result.AllRejected ? AllRejected(result) : TypedResults.Ok(result);
        }
        catch (BodyTooLargeException)
        {
            return TooLarge(options);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(options);
        }
        catch (UnreadableImportException ex)
        {
            return Answers.BadRequest("The file could not be read.", ex.Message);
        }
    }

    /// <summary>Every error is problem+json; the import's own fields ride along so the row errors are still there (a missing required column: one error for the header).</summary>
    private static ProblemHttpResult AllRejected(ImportResult result) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: result.MissingColumns.Count > 0 ? "The file lacks a required column" : "No row was accepted",
            detail: result.MissingColumns.Count > 0
                ? $"The header has no {string.Join(", ", result.MissingColumns)} column; see 'rejected' for what the file needs. Nothing was imported."
                : $"All {result.RejectedCount} row(s) were rejected; see 'rejected' for the row, field and reason of each. Nothing was imported.",
            extensions: new Dictionary<string, object?>
            {
                ["accepted"] = result.Accepted,
                ["created"] = result.Created,
                ["updated"] = result.Updated,
                ["unchanged"] = result.Unchanged,
                ["rejected"] = result.Rejected,
                ["rejectedCount"] = result.RejectedCount,
                ["warnings"] = result.Warnings,
                ["warningCount"] = result.WarningCount,
                ["dryRun"] = result.DryRun,
                ["missingColumns"] = result.MissingColumns,
                ["createdRows"] = result.CreatedRows,
                ["updatedRows"] = result.UpdatedRows,
                ["movedRows"] = result.MovedRows,
                ["movedCount"] = result.MovedCount,
            });

    /// <summary>The body, failing with <see cref="BodyTooLargeException"/> once more than <paramref name="cap"/> bytes were read.</summary>
    internal static CountingReadStream Capped(Stream body, long cap) =>
        new(body, read =>
        {
            if (read > cap) throw new BodyTooLargeException();
        });

    private static ProblemHttpResult TooLarge(ImportOptions options) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "The file is too large",
            detail: $"The limit is {options.MaxBodyBytes / (1024 * 1024.0):0.#} MB. Split the file and upload the parts; nothing was imported.");
}

/// <summary>Thrown while reading a body that passes its cap (see <see cref="ImportFunctions.Capped"/>).</summary>
public sealed class BodyTooLargeException() : IOException("The request body exceeds the configured limit.");
