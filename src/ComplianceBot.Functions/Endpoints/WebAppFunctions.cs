using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using ComplianceBot.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// The HR and office-manager web page (<c>GET /api/app/{*path}</c>). The files are embedded in the
/// assembly, so a self-contained publish carries them with no content-root assumption, and only the
/// files listed here are ever served: there is no path to traverse.
/// </summary>
public sealed class WebAppFunctions
{
    /// <summary>Prefix of the embedded resources' logical names (see the csproj).</summary>
    internal const string ResourcePrefix = "wwwroot/app/";

    /// <summary>Every file the page ships, with its content type.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Files = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    // The page calls only its own origin; no inline script or style, no framing.
    private const string ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    // Read and hashed on the first request for the page, not while the host starts.
    private static readonly Lazy<FrozenDictionary<string, StaticFile>> Loaded = new(() => Load(typeof(WebAppFunctions).Assembly));

    /// <summary>The staff renewal page's files: its page and script, and the HR page's style sheet (one visual language).</summary>
    internal static readonly IReadOnlyDictionary<string, string> RenewalFiles = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["renew.js"] = "text/javascript; charset=utf-8",
    };

    internal const string RenewalResourcePrefix = "wwwroot/renew/";

    private static readonly Lazy<FrozenDictionary<string, StaticFile>> RenewalLoaded = new(() => Load(typeof(WebAppFunctions).Assembly, RenewalResourcePrefix, RenewalFiles));

    [Function("WebApp")]
    [Allow(Access.Anonymous)]
    [Responds(200, 304, 404)]
    [Operation("The HR and office-manager web page (index.html, app.js, app.css)")]
    public static IResult Serve([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "app/{*path}")] HttpRequest request, string? path) =>
        Serve(Loaded.Value, path, request.HttpContext);

    /// <summary>
    /// The page a reminder's "I've renewed" link opens. It carries no data: its script reads the token from the
    /// link's fragment and calls <c>/api/renewal</c> with it. No referrer leaves the page.
    /// </summary>
    [Function("RenewalPage")]
    [Allow(Access.Anonymous)]
    [Responds(200, 304, 404)]
    [Operation("The staff renewal page a reminder's personal link opens (index.html, renew.js)")]
    public static IResult ServeRenewal([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "renew/{*path}")] HttpRequest request, string? path) =>
        Serve(RenewalLoaded.Value, path, request.HttpContext, "Open the link in your reminder email.");

    private static IResult Serve(FrozenDictionary<string, StaticFile> files, string? path, HttpContext context, string notFound = "Open /api/app/ for the ComplianceBot page.")
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";

        var name = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!files.TryGetValue(name, out var file))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Page not found", detail: notFound);
        }

        headers.ETag = file.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(file.ETag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(file.Content, file.ContentType);
    }

    /// <summary>Reads every listed file once; a missing one is a build mistake (a test loads them all).</summary>
    internal static FrozenDictionary<string, StaticFile> Load(Assembly assembly) => Load(assembly, ResourcePrefix, Files);

    internal static FrozenDictionary<string, StaticFile> Load(Assembly assembly, string prefix, IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(files);
        var loaded = new Dictionary<string, StaticFile>(StringComparer.Ordinal);
        foreach (var (name, contentType) in files)
        {
            using var stream = assembly.GetManifestResourceStream(prefix + name)
                ?? throw new InvalidOperationException($"The web page file '{prefix}{name}' is not embedded in {assembly.GetName().Name}; check the EmbeddedResource items of the csproj.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
            loaded[name] = new StaticFile(content, contentType, etag);
        }

        return loaded.ToFrozenDictionary(StringComparer.Ordinal);
    }

    internal sealed record StaticFile(ReadOnlyMemory<byte> Content, string ContentType, string ETag);
}
