using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Hosting;

/// <summary>Who may call an HTTP function, checked by the app itself (the host's function keys are not used).</summary>
public enum Access
{
    /// <summary>
    /// No principal needed: the function checks something else (the SendGrid signature) or serves nothing
    /// private (the OpenAPI document, the web page's files).
    /// </summary>
    Anonymous,

    /// <summary>Any signed-in HR person or manager.</summary>
    AnyRole,

    /// <summary>HR, or a manager of the clinic the request is about (the function checks the clinic).</summary>
    ClinicReader,

    /// <summary>HR only.</summary>
    Hr,

    /// <summary>
    /// A staff member's personal renewal link (the <c>X-Renewal-Token</c> header): that one person's renewal
    /// page and nothing else. Sign-ins and API keys do not open it, and the link opens nothing that needs a role.
    /// </summary>
    RenewalLink,
}

/// <summary>Who may call this HTTP function. Every HTTP function declares it; one without is refused at start-up.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AllowAttribute(Access access) : Attribute
{
    public Access Access { get; } = access;
}

/// <summary>The statuses an HTTP function answers besides 401/403 (listed in the OpenAPI document).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RespondsAttribute(params int[] statuses) : Attribute
{
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>A query parameter an HTTP function reads (for the OpenAPI document).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;
}

/// <summary>What an HTTP function reads as its body and answers (for the OpenAPI document).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OperationAttribute(string summary) : Attribute
{
    public string Summary { get; } = summary;

    /// <summary>The JSON body's type, if the function reads one.</summary>
    public Type? Body { get; init; }

    /// <summary>Media types of a body that is not one JSON object (an upload), e.g. <c>text/csv</c>.</summary>
    public string[]? BodyMediaTypes { get; init; }

    /// <summary>The type of a 200/201 JSON answer, if any.</summary>
    public Type? Returns { get; init; }
}

/// <summary>
/// The function writes many rows in one request (an import): it may wait on storage up to
/// <c>Storage:ImportRequestTimeout</c> rather than <c>Storage:RequestTimeout</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BulkWriteAttribute : Attribute;

/// <summary>An HTTP function as declared by its <c>[Function]</c> and <c>[HttpTrigger]</c> attributes.</summary>
/// <param name="Route">The route under <c>/api</c>, e.g. <c>clinics/{clinicId}</c>.</param>
/// <param name="Methods">HTTP methods, upper case.</param>
public sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, Access Access, MethodInfo Method)
{
    /// <summary>The path both hosts serve it at.</summary>
    public string Path => "/api/" + Route;

    public IReadOnlyList<int> Responses => Method.GetCustomAttribute<RespondsAttribute>()?.Statuses ?? [StatusCodes.Status200OK];

    public IReadOnlyList<QueryAttribute> Query => Method.GetCustomAttributes<QueryAttribute>().ToList();

    public OperationAttribute? Operation => Method.GetCustomAttribute<OperationAttribute>();

    public bool BulkWrite => Method.IsDefined(typeof(BulkWriteAttribute));
}

/// <summary>A timer function as declared by its <c>[Function]</c> and <c>[TimerTrigger]</c> attributes.</summary>
/// <param name="Schedule">The schedule as declared, e.g. <c>%DailyRemindersSchedule%</c> (an app setting).</param>
public sealed record TimerFunction(string Name, string Schedule, MethodInfo Method)
{
    /// <summary>The app setting holding the NCRONTAB schedule, when the schedule is a <c>%setting%</c>.</summary>
    public string? ScheduleSetting => Schedule.Length > 2 && Schedule[0] == '%' && Schedule[^1] == '%' ? Schedule[1..^1] : null;

    /// <summary>The schedule in force: the app setting's value, or the literal schedule.</summary>
    public string ScheduleIn(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (ScheduleSetting is null) return Schedule;
        var value = configuration[ScheduleSetting];
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The {Name} timer's schedule is the app setting {ScheduleSetting}, which is not set (e.g. {ScheduleSetting}=0 5 * * * * for hourly at :05 UTC).")
            : value;
    }
}

/// <summary>A queue-triggered function as declared by its <c>[Function]</c> and <c>[QueueTrigger]</c> attributes.</summary>
/// <param name="Queue">The queue as declared, e.g. <c>%ClinicRunQueue%</c> (an app setting).</param>
/// <param name="MessageParameter">The name of the parameter the message body is bound to.</param>
public sealed record QueueFunction(string Name, string Queue, string MessageParameter, MethodInfo Method)
{
    /// <summary>The app setting holding the queue name, when the queue is a <c>%setting%</c>.</summary>
    public string? QueueSetting => Queue.Length > 2 && Queue[0] == '%' && Queue[^1] == '%' ? Queue[1..^1] : null;
}

/// <summary>
/// The app's functions, read once from the <c>[Function]</c> declarations of this assembly: the one source of
/// routes, methods, access, schedules and queues. The worker middleware reads access from here, the local host maps
/// its routes, fires its timers and reads its queues from here, and the OpenAPI document is generated from here; a test compares
/// it with the <c>functions.metadata</c> the Worker SDK generates from the same attributes.
/// </summary>
public static class FunctionDeclarations
{
    private static readonly Lazy<(IReadOnlyList<HttpFunction> Http, IReadOnlyList<TimerFunction> Timers, IReadOnlyList<QueueFunction> Queues)> Declared = new(Read);

    public static IReadOnlyList<HttpFunction> Http => Declared.Value.Http;

    public static IReadOnlyList<TimerFunction> Timers => Declared.Value.Timers;

    public static IReadOnlyList<QueueFunction> Queues => Declared.Value.Queues;

    /// <summary>The HTTP function of that name, or null (a timer, or none).</summary>
    public static HttpFunction? FindHttp(string name) => Http.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    public static HttpFunction GetHttp(string name) => FindHttp(name) ?? throw new KeyNotFoundException($"No HTTP function named '{name}'.");

    private static (IReadOnlyList<HttpFunction>, IReadOnlyList<TimerFunction>, IReadOnlyList<QueueFunction>) Read()
    {
        var http = new List<HttpFunction>();
        var timers = new List<TimerFunction>();
        var queues = new List<QueueFunction>();
        var methods = typeof(FunctionDeclarations).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .OrderBy(m => m.GetCustomAttribute<FunctionAttribute>()!.Name, StringComparer.Ordinal);
        foreach (var method in methods)
        {
            var name = method.GetCustomAttribute<FunctionAttribute>()!.Name;
            var triggers = method.GetParameters().SelectMany(p => p.GetCustomAttributes()).ToList();
            if (triggers.OfType<HttpTriggerAttribute>().SingleOrDefault() is { } trigger)
            {
                var access = method.GetCustomAttribute<AllowAttribute>()?.Access
                    ?? throw new InvalidOperationException($"The HTTP function {name} does not say who may call it: add [Allow(Access....)].");
                var route = trigger.Route ?? throw new InvalidOperationException($"The HTTP function {name} has no Route.");
                var verbs = (trigger.Methods ?? []).Select(v => v.ToUpperInvariant()).ToList();
                if (verbs.Count == 0) throw new InvalidOperationException($"The HTTP function {name} names no HTTP method.");
                http.Add(new HttpFunction(name, route, verbs, access, method));
            }
            else if (triggers.OfType<TimerTriggerAttribute>().SingleOrDefault() is { } timer)
            {
                timers.Add(new TimerFunction(name, timer.Schedule, method));
            }
            else if (method.GetParameters().SingleOrDefault(p => p.GetCustomAttribute<QueueTriggerAttribute>() is not null) is { } message)
            {
                queues.Add(new QueueFunction(name, message.GetCustomAttribute<QueueTriggerAttribute>()!.QueueName, message.Name!, method));
            }
        }

        return (http, timers, queues);
    }
}
