using Microsoft.Extensions.Logging;

namespace ComplianceBot.Testing;

/// <summary>
/// One timer invocation as a test sees it: whether it succeeded (the host would record a failure otherwise),
/// the lines the timer logged (its header and one summary per clinic), and what it threw.
/// </summary>
public sealed record TimerRun(bool Succeeded, IReadOnlyList<string> Logs, Exception? Error)
{
    public string Text => string.Join('\n', Logs);

    public TimerRun EnsureSucceeded() => Succeeded ? this : throw new Xunit.Sdk.XunitException($"The timer failed: {Error}\n{Text}");

    /// <summary>Runs <paramref name="fire"/> and captures what the timer runner logs inside it (concurrent runs each get their own lines).</summary>
    public static async Task<TimerRun> CaptureAsync(Func<Task> fire)
    {
        ArgumentNullException.ThrowIfNull(fire);
        var lines = new List<string>();
        TimerLogCapture.Current.Value = lines;
        try
        {
            await fire();
            return new TimerRun(true, Snapshot(lines), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new TimerRun(false, Snapshot(lines), ex);
        }
        finally
        {
            TimerLogCapture.Current.Value = null;
        }
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines) return [.. lines];
    }
}

/// <summary>A logger provider that hands the timer runner's messages to the <see cref="TimerRun"/> being captured on this async flow.</summary>
public sealed class TimerLogCapture : ILoggerProvider
{
    internal static readonly AsyncLocal<List<string>?> Current = new();

    public ILogger CreateLogger(string categoryName) =>
        categoryName.EndsWith(".TimerRunner", StringComparison.Ordinal) ? new Logger() : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Current.Value is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Current.Value is not { } lines) return;
            lock (lines) lines.Add(formatter(state, exception));
        }
    }
}
