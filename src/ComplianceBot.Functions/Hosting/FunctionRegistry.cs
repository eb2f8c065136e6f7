using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComplianceBot.Functions.Hosting;

/// <summary>Who may call an HTTP function, checked by the app itself (the host's keys are not used).</summary>
public enum Access
{
    /// <summary>No principal needed; the endpoint checks something else (e.g. the SendGrid signature).</summary>
    Anonymous,

    /// <summary>Any signed-in HR person or manager.</summary>
    AnyRole,

    /// <summary>HR, or a manager of the clinic the request is about.</summary>
    ClinicReader,

    /// <summary>HR only.</summary>
    Hr,
}

/// <summary>One function of the app: a timer or an HTTP operation.</summary>
/// <param name="Name">Function (and folder) name; timers are invoked by the host at <c>POST /{Name}</c>.</param>
/// <param name="ScheduleSetting">App setting holding a timer's NCRONTAB schedule, e.g. <c>Schedules__DailyReminders</c>.</param>
/// <param name="DefaultSchedule">Schedule used when the setting is absent.</param>
/// <param name="Methods">HTTP methods, lower case, for the host's function.json.</param>
/// <param name="Route">Route under <c>/api</c>, in the host's syntax, e.g. <c>clinics/{clinicId}</c>.</param>
public sealed record FunctionDefinition(
    string Name,
    string? ScheduleSetting = null,
    string? DefaultSchedule = null,
    IReadOnlyList<string>? Methods = null,
    string? Route = null,
    Access Access = Access.Hr)
{
    public bool IsTimer => ScheduleSetting is not null;

    /// <summary>The path the app serves for this function.</summary>
    public string Path => IsTimer ? "/" + Name : "/api/" + Route;
}

/// <summary>
/// The one list of the app's functions. function.json files are generated from it at publish, the
/// standalone scheduler reads its schedules, and tests check it against the routes the app serves.
/// </summary>
public static class FunctionRegistry
{
    public const string DailyReminders = "DailyReminders";
    public const string WeeklyDigest = "WeeklyDigest";

    public static readonly IReadOnlyList<FunctionDefinition> All =
    [
        new(DailyReminders, ScheduleSetting: "Schedules:DailyReminders", DefaultSchedule: "0 5 * * * *"),
        new(WeeklyDigest, ScheduleSetting: "Schedules:WeeklyDigest", DefaultSchedule: "0 10 * * * *"),
        Http("ListClinics", "get", "clinics", Access.AnyRole),
        Http("GetClinic", "get", "clinics/{clinicId}", Access.ClinicReader),
        Http("PutClinic", "put", "clinics/{clinicId}", Access.Hr),
        Http("ImportStaff", "post", "staff/import", Access.Hr),
        Http("ImportRecords", "post", "records/import", Access.Hr),
        Http("GetStaff", "get", "staff/{employeeId}", Access.ClinicReader),
        Http("PutStaff", "put", "staff/{employeeId}", Access.Hr),
        Http("DeleteStaff", "delete", "staff/{employeeId}", Access.Hr),
        Http("PutCredential", "put", "staff/{employeeId}/credentials/{code}", Access.ClinicReader),
        Http("GetCompliance", "get", "clinics/{clinicId}/compliance", Access.ClinicReader),
        Http("GetPreview", "get", "clinics/{clinicId}/preview", Access.ClinicReader),
        Http("GetCatalog", "get", "catalog", Access.AnyRole),
        Http("GetOpenApi", "get", "openapi.json", Access.AnyRole),
        Http("SendGridEvents", "post", "sendgrid/events", Access.Anonymous),
        Http("WebApp", "get", "app/{*path}", Access.Anonymous),
        Http("WhoAmI", "get", "me", Access.AnyRole),
    ];

    public static FunctionDefinition Get(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No function named '{name}'.");

    public static IEnumerable<FunctionDefinition> Timers => All.Where(f => f.IsTimer);

    /// <summary>The schedule in force for a timer: the app setting if set, else the default.</summary>
    public static string ScheduleOf(FunctionDefinition timer, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[timer.ScheduleSetting!];
        return string.IsNullOrWhiteSpace(configured) ? timer.DefaultSchedule! : configured;
    }

    /// <summary>
    /// Writes one folder per function with its function.json, as the Functions host expects.
    /// HTTP functions are anonymous at the host: the app authorizes every request itself, behind
    /// App Service Authentication, so there is one place that decides.
    /// </summary>
    public static void WriteFunctionFolders(string appRoot)
    {
        foreach (var f in All)
        {
            var folder = System.IO.Path.Combine(appRoot, f.Name);
            Directory.CreateDirectory(folder);
            JsonObject binding;
            var bindings = new JsonArray();
            if (f.IsTimer)
            {
                binding = new JsonObject
                {
                    ["name"] = "myTimer",
                    ["type"] = "timerTrigger",
                    ["direction"] = "in",
                    ["schedule"] = "%" + f.ScheduleSetting!.Replace(":", "__", StringComparison.Ordinal) + "%",
                    ["runOnStartup"] = false,
                    ["useMonitor"] = true,
                };
                bindings.Add(binding);
            }
            else
            {
                bindings.Add(new JsonObject
                {
                    ["name"] = "req",
                    ["type"] = "httpTrigger",
                    ["direction"] = "in",
                    ["authLevel"] = "anonymous",
                    ["methods"] = new JsonArray(f.Methods!.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
                    ["route"] = f.Route,
                });
                bindings.Add(new JsonObject { ["name"] = "res", ["type"] = "http", ["direction"] = "out" });
            }

            var json = new JsonObject { ["bindings"] = bindings };
            File.WriteAllText(System.IO.Path.Combine(folder, "function.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    private static FunctionDefinition Http(string name, string method, string route, Access access) =>
        new(name, Methods: [method], Route: route, Access: access);
}
