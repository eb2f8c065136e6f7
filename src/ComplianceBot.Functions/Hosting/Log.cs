namespace ComplianceBot.Functions.Hosting;

/// <summary>The app's log messages, source-generated so disabled levels cost nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Summary}")]
    public static partial void ClinicRun(ILogger logger, string summary);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Summary}")]
    public static partial void ClinicRunFailed(ILogger logger, string summary);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Job}: {Clinics} clinic(s) due, past due={PastDue}")]
    public static partial void TimerInvoked(ILogger logger, ComplianceBot.Application.Reminders.RunJob job, int clinics, bool pastDue);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Standalone timers: {Timers}")]
    public static partial void StandaloneTimers(ILogger logger, string timers);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Standalone timer {Timer} failed")]
    public static partial void StandaloneTimerFailed(ILogger logger, Exception exception, string timer);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Request {Method} {Path} failed with {Status}")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method, string path, int status);
}
