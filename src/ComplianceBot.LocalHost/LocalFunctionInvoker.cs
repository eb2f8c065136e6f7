using System.Reflection;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Middleware;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.LocalHost;

/// <summary>
/// Invokes a function as the worker does: through the middleware pipeline (outermost first), then the
/// <c>[Function]</c> method with its parameters bound (the request, route values and a queue message by
/// name, the timer, the context, the cancellation token), on an instance made by dependency injection. An HTTP function's
/// <see cref="IResult"/> is executed after the pipeline returns, where the worker's ASP.NET Core integration
/// executes it.
/// </summary>
public sealed class LocalFunctionInvoker(IReadOnlyList<Type> pipeline)
{
    /// <summary>The invoker with the app's own pipeline.</summary>
    public LocalFunctionInvoker()
        : this(FunctionsMiddleware.Pipeline)
    {
    }

    public async Task InvokeHttpAsync(HttpFunction function, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(http);
        var routeValues = http.Request.RouteValues.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);
        var context = new LocalFunctionContext(function.Name, function.Method, http.RequestServices, routeValues, http, http.RequestAborted);
        object? result = null;
        await FunctionsMiddleware.Compose(pipeline, async ctx => result = await CallAsync(function.Method, ctx, http, timer: null).ConfigureAwait(false))(context).ConfigureAwait(false);
        if (result is IResult answer && !http.Response.HasStarted)
        {
            await answer.ExecuteAsync(http).ConfigureAwait(false);
        }
    }

    public async Task InvokeTimerAsync(TimerFunction function, TimerInfo timer, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        await using var scope = services.CreateAsyncScope();
        var context = new LocalFunctionContext(function.Name, function.Method, scope.ServiceProvider, new Dictionary<string, object?>(), http: null, cancellationToken);
        await FunctionsMiddleware.Compose(pipeline, ctx => CallAsync(function.Method, ctx, http: null, timer))(context).ConfigureAwait(false);
    }

    /// <summary>Runs a queue function on one message body, through the pipeline, in a scope of its own.</summary>
    public async Task InvokeQueueAsync(QueueFunction function, string message, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        await using var scope = services.CreateAsyncScope();
        var bindingData = new Dictionary<string, object?>(StringComparer.Ordinal) { [function.MessageParameter] = message };
        var context = new LocalFunctionContext(function.Name, function.Method, scope.ServiceProvider, bindingData, http: null, cancellationToken);
        await FunctionsMiddleware.Compose(pipeline, ctx => CallAsync(function.Method, ctx, http: null, timer: null))(context).ConfigureAwait(false);
    }

    /// <summary>Fires a timer function now, as its schedule would (tests, and anyone who wants a run without waiting for the hour).</summary>
    public Task FireTimerAsync(string name, IServiceProvider services, CancellationToken cancellationToken)
    {
        var timer = FunctionDeclarations.Timers.SingleOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal))
            ?? throw new KeyNotFoundException($"No timer function named '{name}'.");
        return InvokeTimerAsync(timer, new TimerInfo { ScheduleStatus = new ScheduleStatus() }, services, cancellationToken);
    }

    /// <summary>Fails at start-up, not on the first request, when a function takes a parameter the local host cannot bind.</summary>
    public static void CheckBindable(MethodInfo method)
    {
        ArgumentNullException.ThrowIfNull(method);
        foreach (var parameter in method.GetParameters())
        {
            var type = parameter.ParameterType;
            if (type == typeof(HttpRequest) || type == typeof(FunctionContext) || type == typeof(CancellationToken) || type == typeof(TimerInfo) || type == typeof(string)) continue;
            throw new InvalidOperationException($"{method.DeclaringType?.Name}.{method.Name}: the local host cannot bind parameter '{parameter.Name}' of type {type.Name}.");
        }
    }

    private static async Task<object?> CallAsync(MethodInfo method, FunctionContext context, HttpContext? http, TimerInfo? timer)
    {
        var arguments = method.GetParameters().Select(p => Argument(p, context, http, timer)).ToArray();
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.InstanceServices, method.DeclaringType!);
        var returned = method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        if (returned is not Task task) return returned;
        await task.ConfigureAwait(false);
        return task.GetType().IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
    }

    private static object? Argument(ParameterInfo parameter, FunctionContext context, HttpContext? http, TimerInfo? timer)
    {
        var type = parameter.ParameterType;
        if (type == typeof(HttpRequest)) return http?.Request;
        if (type == typeof(FunctionContext)) return context;
        if (type == typeof(CancellationToken)) return context.CancellationToken;
        if (type == typeof(TimerInfo)) return timer;
        return context.BindingContext.BindingData.TryGetValue(parameter.Name!, out var value) ? value?.ToString() : null;
    }
}
