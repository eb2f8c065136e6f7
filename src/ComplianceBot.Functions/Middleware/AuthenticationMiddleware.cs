using ComplianceBot.Functions.Endpoints;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ComplianceBot.Functions.Middleware;

/// <summary>
/// Who is calling, and whether their role may call this function (its <see cref="AllowAttribute"/>). Fails
/// closed: an HTTP function the declarations do not know is refused. Whether a manager may see a particular
/// clinic is decided by the function, which knows the clinic (<see cref="ClinicAccess"/>).
/// </summary>
public sealed class AuthenticationMiddleware(CallerAuthentication authentication, RenewalLinkAuthentication renewalLinks) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var function = FunctionDeclarations.FindHttp(context.FunctionDefinition.Name);
        if (function is null)
        {
            await Answers.Problem(StatusCodes.Status403Forbidden, "Forbidden", "This operation is not declared for callers.").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (function.Access == Access.RenewalLink)
        {
            // The link alone decides: a sign-in or an API key on the same request adds nothing to it.
            if (renewalLinks.Authenticate(http) is { } refused)
            {
                await refused.ExecuteAsync(http).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
            return;
        }

        var caller = authentication.Authenticate(http.Request.Headers);
        if (caller.User is { } user) http.User = user;
        if (function.Access == Access.Anonymous)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (caller.User is null)
        {
            await Answers.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", caller.Failure ?? "Sign in (App Service Authentication), or send an API key in the X-Api-Key header.")
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var allowed = function.Access == Access.Hr
            ? http.User.IsInRole(Roles.Hr)
            : http.User.IsInRole(Roles.Hr) || http.User.IsInRole(Roles.Manager);
        if (!allowed)
        {
            await Answers.Problem(StatusCodes.Status403Forbidden, "Forbidden", "Your role may not call this operation: imports and changes need the HR role.")
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
