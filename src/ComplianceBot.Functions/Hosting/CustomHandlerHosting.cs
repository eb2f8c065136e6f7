using System.Globalization;
using System.Net;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// Where the server listens. Under the Functions host: 127.0.0.1 on the port the host passes in
/// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> (the host always calls 127.0.0.1). Standalone: the configured
/// URLs, or <c>http://127.0.0.1:7071</c>, and the app fires its own timers.
/// </summary>
public static class CustomHandlerHosting
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const string StandaloneUrl = "http://127.0.0.1:7071";

    public static bool UnderFunctionsHost(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[PortVariable]);

    public static WebApplicationBuilder UseCustomHandlerHosting(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var port = builder.Configuration[PortVariable];
        if (!string.IsNullOrEmpty(port))
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                throw new InvalidOperationException(
                    $"{PortVariable} is '{port}', not a port number (1-65535). The Functions host sets it; unset it to run standalone on {StandaloneUrl}.");
            }

            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, number));
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(StandaloneUrl);
        }

        var standaloneTimers = builder.Configuration.GetValue("Timers:Standalone", defaultValue: string.IsNullOrEmpty(port));
        if (standaloneTimers)
        {
            builder.Services.AddHostedService<StandaloneTimerService>();
        }

        return builder;
    }
}
