using System.Collections.Concurrent;
using System.Net;
using ComplianceBot.Application.Renewals;
using ComplianceBot.Functions.Endpoints;

namespace ComplianceBot.Functions.Security;

/// <summary>
/// Checks the personal renewal link a request presents in <c>X-Renewal-Token</c> (the page reads it from the URL
/// fragment, which browsers never send, so the token reaches no request log). A valid one puts its
/// <see cref="RenewalGrant"/> on the request; anything else gets a problem saying what to do, and never names
/// anyone. Wrong tokens are counted per client address: past <see cref="MaxFailuresPerMinute"/> in a minute, that
/// address gets 429 until the minute is over, valid token or not, so links cannot be guessed at speed.
/// </summary>
public sealed class RenewalLinkAuthentication(RenewalTokens tokens, TimeProvider time)
{
    public const string TokenHeader = "X-Renewal-Token";
    public const int MaxFailuresPerMinute = 10;
    private const string GrantItem = "renewal-grant";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, FailureWindow> _failures = new(StringComparer.Ordinal);

    /// <summary>The grant the middleware put on this request.</summary>
    public static RenewalGrant Grant(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items[GrantItem] as RenewalGrant
            ?? throw new InvalidOperationException("No renewal grant on this request: the function is not declared Access.RenewalLink.");
    }

    /// <summary>Null when the request may go on (its grant stored), else the answer to give.</summary>
    public IResult? Authenticate(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var client = ClientAddress(http);
        var now = time.GetUtcNow();
        if (_failures.TryGetValue(client, out var window) && window.IsBlocked(now))
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((window.Start + Window - now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Answers.Problem(StatusCodes.Status429TooManyRequests, "Too many attempts", "Too many links that do not work were tried from your network. Wait a minute, then open the link from your latest reminder email again.");
        }

        var token = http.Request.Headers[TokenHeader].ToString();
        var check = tokens.Check(token, out var grant);
        switch (check)
        {
            case RenewalTokenCheck.Valid:
                http.Items[GrantItem] = grant;
                return null;
            case RenewalTokenCheck.Disabled:
                return Answers.Problem(StatusCodes.Status404NotFound, "Self-service renewal is not set up", "This organization has not switched on renewal links. Give your new card or certificate to your office manager.");
            case RenewalTokenCheck.Expired:
                CountFailure(client, now);
                return Answers.Problem(StatusCodes.Status401Unauthorized, "This link has expired", "Renewal links work for a limited time. Use the link in your latest reminder email, or ask your office manager for a new link.");
            default:
                CountFailure(client, now);
                return Answers.Problem(StatusCodes.Status401Unauthorized, "This link does not work", "The link is incomplete or was changed. Open it again from your reminder email (copy the whole address), or ask your office manager for a new link.");
        }
    }

    /// <summary>
    /// The client's address: the last <c>X-Forwarded-For</c> entry when present (the one the platform's front end
    /// appended; earlier entries are whatever the client sent), else the connection's.
    /// </summary>
    private static string ClientAddress(HttpContext http)
    {
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
        {
            var last = forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            if (last is not null && IPAddress.TryParse(last.Split(':')[0], out var address)) return address.ToString();
            if (last is not null && IPEndPoint.TryParse(last, out var endPoint)) return endPoint.Address.ToString();
        }

        return http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    private void CountFailure(string client, DateTimeOffset now)
    {
        _failures.AddOrUpdate(client, _ => new FailureWindow(now, 1), (_, w) => now - w.Start >= Window ? new FailureWindow(now, 1) : w with { Count = w.Count + 1 });

        // Forget addresses whose minute is over, so the table stays small.
        if (_failures.Count > 10_000)
        {
            foreach (var (key, w) in _failures)
            {
                if (now - w.Start >= Window) _failures.TryRemove(key, out _);
            }
        }
    }

    private sealed record FailureWindow(DateTimeOffset Start, int Count)
    {
        public bool IsBlocked(DateTimeOffset now) => Count >= MaxFailuresPerMinute && now - Start < Window;
    }
}
