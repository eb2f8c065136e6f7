using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// What the host says about a timer invocation (<c>Data.myTimer</c>), read tolerantly: the value may
/// be an object or a JSON string, <c>ScheduleStatus</c> may be null, and timestamps have arrived in
/// more than one format (azure-functions-host#7391).
/// </summary>
public sealed record TimerTriggerInfo(bool IsPastDue, DateTimeOffset? Last, DateTimeOffset? Next)
{
    public static TimerTriggerInfo Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object
            || !TryGetCaseInsensitive(body, "Data", out var data)
            || data.ValueKind != JsonValueKind.Object)
        {
            return new TimerTriggerInfo(false, null, null);
        }

        JsonElement timer = default;
        foreach (var property in data.EnumerateObject())
        {
            timer = property.Value;
            break;
        }

        if (timer.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var inner = JsonDocument.Parse(timer.GetString() ?? "{}");
                return FromTimer(inner.RootElement.Clone());
            }
            catch (JsonException)
            {
                return new TimerTriggerInfo(false, null, null);
            }
        }

        return timer.ValueKind == JsonValueKind.Object ? FromTimer(timer) : new TimerTriggerInfo(false, null, null);
    }

    private static TimerTriggerInfo FromTimer(JsonElement timer)
    {
        // A string that held JSON but not an object ("null", "[1]") says nothing about the timer.
        if (timer.ValueKind != JsonValueKind.Object) return new TimerTriggerInfo(false, null, null);
        var pastDue = TryGetCaseInsensitive(timer, "IsPastDue", out var p)
            && (p.ValueKind == JsonValueKind.True || (p.ValueKind == JsonValueKind.String && bool.TryParse(p.GetString(), out var flag) && flag));
        DateTimeOffset? last = null, next = null;
        if (TryGetCaseInsensitive(timer, "ScheduleStatus", out var status) && status.ValueKind == JsonValueKind.Object)
        {
            last = ParseInstant(status, "Last");
            next = ParseInstant(status, "Next");
        }

        return new TimerTriggerInfo(pastDue, last, next);
    }

    private static DateTimeOffset? ParseInstant(JsonElement status, string name)
    {
        if (!TryGetCaseInsensitive(status, name, out var v) || v.ValueKind != JsonValueKind.String) return null;
        return DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
    }

    private static bool TryGetCaseInsensitive(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}

/// <summary>The reply the host expects from a custom handler: always a JSON object, never an empty body.</summary>
public sealed record InvocationResponse(
    [property: JsonPropertyName("Outputs")] IReadOnlyDictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] object? ReturnValue);
