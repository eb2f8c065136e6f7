using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ComplianceBot.Functions.Middleware;

/// <summary>
/// The worker middleware every invocation passes, declared once and in order. The worker (Program) and the
/// local host both build their pipeline from <see cref="Pipeline"/>, so a request meets the same checks in
/// the same order whichever host serves it.
/// </summary>
public static class FunctionsMiddleware
{
    /// <summary>
    /// Outermost first: problems for whatever throws below; no-store on API answers; a total time limit on
    /// storage for the request (tables included); the tables exist;
    /// who the caller is and whether their role may call the function; the request edge (empty query
    /// values, impossible ids). Then the function.
    /// </summary>
    public static readonly IReadOnlyList<Type> Pipeline =
    [
        typeof(ProblemMiddleware),
        typeof(NoStoreMiddleware),
        typeof(StorageDeadlineMiddleware),
        typeof(TablesReadyMiddleware),
        typeof(AuthenticationMiddleware),
        typeof(RequestEdgeMiddleware),
    ];

    /// <summary>Registers the middleware (singletons) and adds them to the worker's pipeline in order.</summary>
    public static IFunctionsWorkerApplicationBuilder UseComplianceBotMiddleware(this IFunctionsWorkerApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddMiddleware(builder.Services);
        foreach (var type in Pipeline)
        {
            builder.Use(next => context => Resolve(context, type).Invoke(context, next));
        }

        return builder;
    }

    public static IServiceCollection AddMiddleware(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var type in Pipeline)
        {
            services.AddSingleton(type);
        }

        return services;
    }

    /// <summary>The pipeline around <paramref name="function"/>, composed as the worker composes it (the local host runs this).</summary>
    public static FunctionExecutionDelegate Compose(FunctionExecutionDelegate function) => Compose(Pipeline, function);

    /// <summary>A pipeline of these middleware types (outermost first) around <paramref name="function"/>.</summary>
    public static FunctionExecutionDelegate Compose(IReadOnlyList<Type> pipeline, FunctionExecutionDelegate function)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(function);
        var next = function;
        foreach (var type in pipeline.Reverse())
        {
            var inner = next;
            next = context => Resolve(context, type).Invoke(context, inner);
        }

        return next;
    }

    private static IFunctionsWorkerMiddleware Resolve(FunctionContext context, Type type) =>
        (IFunctionsWorkerMiddleware)context.InstanceServices.GetRequiredService(type);
}
