using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.LocalHost;

/// <summary>
/// The invocation context the local host gives the worker middleware and the function: the function's name and
/// entry point, the route values as binding data, the request's services and cancellation, and the HTTP context
/// where the worker's ASP.NET Core integration keeps it (so <c>GetHttpContext()</c> finds it).
/// </summary>
internal sealed class LocalFunctionContext : FunctionContext
{
    /// <summary>The <see cref="FunctionContext.Items"/> key under which the worker's ASP.NET Core integration keeps the HttpContext.</summary>
    public const string HttpContextKey = "HttpRequestContext";

    public LocalFunctionContext(string name, MethodInfo method, IServiceProvider services, IReadOnlyDictionary<string, object?> bindingData, HttpContext? http, CancellationToken cancellationToken)
    {
        FunctionDefinition = new Definition(name, method);
        InstanceServices = services;
        BindingContext = new Bindings(bindingData);
        CancellationToken = cancellationToken;
        if (http is not null) Items[HttpContextKey] = http;
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext { get; } = new Trace();

    public override BindingContext BindingContext { get; }

    public override RetryContext RetryContext => null!;

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features { get; } = new FeatureSet();

    public override CancellationToken CancellationToken { get; }

    private sealed class Definition(string name, MethodInfo method) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters { get; } = [];

        public override string PathToAssembly { get; } = method.DeclaringType!.Assembly.Location;

        public override string EntryPoint { get; } = $"{method.DeclaringType!.FullName}.{method.Name}";

        public override string Id { get; } = name;

        public override string Name { get; } = name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } = ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } = ImmutableDictionary<string, BindingMetadata>.Empty;
    }

    private sealed class Bindings(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData { get; } = data;
    }

    private sealed class Trace : TraceContext
    {
        public override string TraceParent => string.Empty;

        public override string TraceState => string.Empty;
    }

    private sealed class FeatureSet : IInvocationFeatures
    {
        private readonly Dictionary<Type, object> _features = [];

        public T? Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

        public void Set<T>(T instance)
        {
            if (instance is null) _features.Remove(typeof(T));
            else _features[typeof(T)] = instance;
        }

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
