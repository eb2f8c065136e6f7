using ComplianceBot.Application.Ports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// Optimistic concurrency for PUTs that replace one stored row (RFC 9110, section 13): GET and PUT answer the
/// row's version as a strong <c>ETag</c>; <c>If-Match</c> and <c>If-None-Match</c> become a
/// <see cref="WritePrecondition"/> that the store checks when it writes, and a failed one is a 412 problem.
/// </summary>
public static class Preconditions
{
    public static void SetETag(HttpResponse response, string version)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ETag = ETagOf(version);
    }

    public static string ETagOf(string version) => $"\"{version}\"";

    /// <summary>The request's precondition, or false (and a 400 problem) when a header is not a list of entity tags.</summary>
    public static bool TryRead(HttpRequest request, out WritePrecondition precondition, out ProblemHttpResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        precondition = WritePrecondition.None;
        problem = null;
        if (!TryTags(request.Headers.IfMatch, strong: true, out var ifMatch))
        {
            problem = Answers.BadRequest("If-Match is not valid.", "Send the ETag from a GET, quotes included (If-Match: \"…\"), or *.");
            return false;
        }

        if (!TryTags(request.Headers.IfNoneMatch, strong: false, out var ifNoneMatch))
        {
            problem = Answers.BadRequest("If-None-Match is not valid.", "Send If-None-Match: * to create only, or a list of ETags.");
            return false;
        }

        precondition = new WritePrecondition(ifMatch, ifNoneMatch);
        return true;
    }

    /// <summary>The 412 problem for a write whose precondition failed, saying what the caller should do.</summary>
    public static ProblemHttpResult Failed(string what, string path, WritePrecondition precondition, ConditionalWrite result)
    {
        ArgumentNullException.ThrowIfNull(precondition);
        ArgumentNullException.ThrowIfNull(result);
        var lower = what.ToLowerInvariant();
        var (title, detail) = result.Version switch
        {
            null => ($"{what} not found", $"There is no {lower} at {path}, and If-Match asks to replace an existing one. Create it without If-Match (or with If-None-Match: *)."),
            _ when precondition.IfNoneMatch?.Contains(WritePrecondition.Any) == true => ($"{what} already exists", $"If-None-Match: * only creates, and {path} exists. GET it and send If-Match with its ETag to replace it."),
            _ => ($"{what} was changed by someone else", $"{path} changed after you read it: its ETag no longer matches your If-Match. GET it again, reapply your change and retry with the new ETag."),
        };
        return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: title, detail: detail);
    }

    /// <summary>
    /// Entity tags of a header as versions (null when the header is absent). If-Match compares strongly, so a weak
    /// tag there can match nothing; If-None-Match compares weakly (RFC 9110, section 8.8.3.2).
    /// </summary>
    private static bool TryTags(StringValues header, bool strong, out IReadOnlyList<string>? versions)
    {
        versions = null;
        if (StringValues.IsNullOrEmpty(header)) return true;
        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags) || tags.Count == 0) return false;
        versions = tags
            .Where(t => !(strong && t.IsWeak))
            .Select(t => t.Equals(EntityTagHeaderValue.Any) ? WritePrecondition.Any : t.Tag.Value!.Trim('"'))
            .ToList();
        return true;
    }
}
