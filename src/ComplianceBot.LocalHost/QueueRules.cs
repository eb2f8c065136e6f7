using System.Globalization;
using System.Text.Json;

namespace ComplianceBot.LocalHost;

/// <summary>
/// How queue messages are fetched, retried and set aside: <c>extensions.queues</c> of the app's host.json (the file
/// the Functions host reads in Azure), with the host's own override mechanism on top: app settings
/// <c>AzureFunctionsJobHost__extensions__queues__{name}</c>. Defaults are the queue extension's.
/// </summary>
/// <param name="BatchSize">Messages fetched at once.</param>
/// <param name="NewBatchThreshold">Runs still going below which the next batch is fetched (so at most BatchSize + NewBatchThreshold at once).</param>
/// <param name="MaxDequeueCount">Attempts before a message goes to the poison queue.</param>
/// <param name="VisibilityTimeout">How long a failed message stays invisible before its next attempt.</param>
/// <param name="MaxPollingInterval">Longest wait between two looks at an empty queue.</param>
public sealed record QueueRules(int BatchSize, int NewBatchThreshold, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval)
{
    /// <summary>The configuration section the Functions host merges over host.json.</summary>
    public const string OverrideSection = "AzureFunctionsJobHost:extensions:queues";

    /// <summary>Reads host.json from <paramref name="hostJsonPath"/> and applies the overrides in <paramref name="configuration"/>.</summary>
    public static QueueRules Read(string hostJsonPath, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!File.Exists(hostJsonPath))
        {
            throw new InvalidOperationException($"{hostJsonPath} is missing: the local host reads the queue rules from the app's host.json (build src/ComplianceBot.Functions, which copies it).");
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using (var doc = JsonDocument.Parse(File.ReadAllText(hostJsonPath)))
        {
            if (doc.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("queues", out var queues))
            {
                foreach (var p in queues.EnumerateObject()) values[p.Name] = p.Value.ToString();
            }
        }

        foreach (var setting in configuration.GetSection(OverrideSection).GetChildren())
        {
            if (setting.Value is not null) values[setting.Key] = setting.Value;
        }

        var batchSize = Int(values, "batchSize", 16);
        var rules = new QueueRules(
            batchSize,
            Int(values, "newBatchThreshold", batchSize / 2),
            Int(values, "maxDequeueCount", 5),
            Span(values, "visibilityTimeout", TimeSpan.Zero),
            Span(values, "maxPollingInterval", TimeSpan.FromMinutes(1)));
        if (rules.BatchSize is < 1 or > 32) throw new InvalidOperationException($"extensions.queues.batchSize must be between 1 and 32 (Queue Storage's limit), not {rules.BatchSize}.");
        if (rules.NewBatchThreshold < 0) throw new InvalidOperationException("extensions.queues.newBatchThreshold must not be negative.");
        if (rules.MaxDequeueCount < 1) throw new InvalidOperationException("extensions.queues.maxDequeueCount must be at least 1.");
        if (rules.VisibilityTimeout < TimeSpan.Zero || rules.MaxPollingInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new InvalidOperationException("extensions.queues.visibilityTimeout must not be negative and maxPollingInterval must be at least 00:00:00.1.");
        }

        return rules;
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback) =>
        !values.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidOperationException($"extensions.queues.{name} must be a whole number, not '{text}'.");

    private static TimeSpan Span(Dictionary<string, string> values, string name, TimeSpan fallback) =>
        !values.TryGetValue(name, out var text) ? fallback
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidOperationException($"extensions.queues.{name} must be a time span like 00:01:00, not '{text}'.");
}
