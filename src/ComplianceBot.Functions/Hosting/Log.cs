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

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Function {Function} ({Method} {Path}) failed with {Status}")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string function, string method, string path, int status);
}
