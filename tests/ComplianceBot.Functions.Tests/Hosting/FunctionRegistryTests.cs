using System.Text.Json;
using ComplianceBot.Functions.Hosting;

namespace ComplianceBot.Functions.Tests.Hosting;

public sealed class FunctionRegistryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "compliancebot-functions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void WritesOneFolderWithAFunctionJsonPerFunction()
    {
        FunctionRegistry.WriteFunctionFolders(_root);

        var folders = Directory.GetDirectories(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(FunctionRegistry.All.Select(f => f.Name).Order(StringComparer.Ordinal), folders);
    }

    [Theory]
    [InlineData(FunctionRegistry.DailyReminders, "%Schedules__DailyReminders%")]
    [InlineData(FunctionRegistry.WeeklyDigest, "%Schedules__WeeklyDigest%")]
    public void WritesATimerBindingReadingTheScheduleSetting(string name, string schedule)
    {
        FunctionRegistry.WriteFunctionFolders(_root);

        var binding = Assert.Single(Bindings(name));
        Assert.Equal("timerTrigger", binding.GetProperty("type").GetString());
        Assert.Equal("in", binding.GetProperty("direction").GetString());
        Assert.Equal("myTimer", binding.GetProperty("name").GetString());
        Assert.Equal(schedule, binding.GetProperty("schedule").GetString());
        Assert.False(binding.GetProperty("runOnStartup").GetBoolean());
        Assert.True(binding.GetProperty("useMonitor").GetBoolean());
    }

    public static TheoryData<string> HttpFunctions() => new(FunctionRegistry.All.Where(f => !f.IsTimer).Select(f => f.Name));

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void WritesAnonymousHttpInAndOutBindingsWithRouteAndMethods(string name)
    {
        FunctionRegistry.WriteFunctionFolders(_root);
        var function = FunctionRegistry.Get(name);

        var bindings = Bindings(name);

        Assert.Equal(2, bindings.Count);
        var trigger = bindings.Single(b => b.GetProperty("direction").GetString() == "in");
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("req", trigger.GetProperty("name").GetString());
        Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(function.Route, trigger.GetProperty("route").GetString());
        Assert.Equal(function.Methods, trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!));
        Assert.All(function.Methods!, m => Assert.Equal(m.ToLowerInvariant(), m));
        var output = bindings.Single(b => b.GetProperty("direction").GetString() == "out");
        Assert.Equal(("http", "res"), (output.GetProperty("type").GetString(), output.GetProperty("name").GetString()));
    }

    [Fact]
    public void KeepsEveryPathDistinctAndEveryRouteRelative()
    {
        Assert.Equal(FunctionRegistry.All.Count, FunctionRegistry.All.Select(f => f.Name.ToUpperInvariant()).Distinct().Count());
        Assert.All(FunctionRegistry.All.Where(f => !f.IsTimer), f => Assert.False(f.Route!.StartsWith('/') || f.Route.StartsWith("api/", StringComparison.Ordinal), f.Name));
    }

    private List<JsonElement> Bindings(string name)
    {
        var path = Path.Combine(_root, name, "function.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("bindings").EnumerateArray().Select(b => b.Clone()).ToList();
    }
}
