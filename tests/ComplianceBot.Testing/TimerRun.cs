using Microsoft.Extensions.Logging;

namespace ComplianceBot.Testing;

/// <summary>
/// One timer invocation as a test sees it, with the clinic runs it queued: whether all succeeded (the host would
/// record a failure otherwise), the lines they logged (the timer's header, then one summary per clinic run), and
/// what failed.
/// </summary>
public sealed record TimerRun(bool Succeeded, IReadOnlyList<string> Logs, Exception? Error)
{
    public string Text => string.Join('\n', Logs);

    public TimerRun EnsureSucceeded() => Succeeded ? this : throw new Xunit.Sdk.XunitException($"The timer failed: {Error}\n{Text}");

    /// <summary>
    /// Runs <paramref name="fire"/> and captures what the timer and clinic runners log inside it (concurrent runs each
    /// get their own lines); <paramref name="fire"/> answers the failures of the queued runs it drained.
    /// </summary>
    public static async Task<TimerRun> CaptureAsync(Func<Task<IReadOnlyList<Exception>>> fire)
    {
        ArgumentNullException.ThrowIfNull(fire);
        var lines = new List<string>();
        TimerLogCapture.Current.Value = lines;
        try
        {
            var failures = await fire();
            return failures.Count == 0
                ? new TimerRun(true, Snapshot(lines), null)
                : new TimerRun(false, Snapshot(lines), failures.Count == 1 ? failures[0] : new AggregateException(failures));
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
        categoryName.EndsWith(".TimerRunner", StringComparison.Ordinal) || categoryName.EndsWith(".ClinicRunner", StringComparison.Ordinal)
            ? new Logger()
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

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
