using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComplianceBot.Application.Reminders;

/// <summary>
/// One clinic's run of one job for one local date: what a timer puts on the clinic-run queue and the queue
/// function runs. The three fields are the whole identity of the work, so the same message enqueued twice (two
/// overlapping timer runs) or delivered twice (a lost delete, a retry) asks for the same run, and the ledger
/// makes the second one send nothing.
/// </summary>
public sealed record ClinicRunMessage(string ClinicId, RunJob Job, DateOnly LocalDate)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The queue message body, e.g. <c>{"clinicId":"clinic-a","job":"DailyReminders","localDate":"2026-03-02"}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Body(ClinicId, Job.ToString(), LocalDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), Json);

    /// <summary>Reads a message body; a body that is not one (hand-made, truncated) is a <see cref="FormatException"/> saying what is wrong.</summary>
    public static ClinicRunMessage Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Body? read;
        try
        {
            read = JsonSerializer.Deserialize<Body>(body, Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"A clinic-run message must be JSON like {{\"clinicId\":\"clinic-a\",\"job\":\"DailyReminders\",\"localDate\":\"2026-03-02\"}}: {ex.Message}", ex);
        }

        if (read is null || string.IsNullOrWhiteSpace(read.ClinicId)) throw new FormatException("A clinic-run message must name its clinicId.");
        // The job's exact name only: Enum.TryParse would also take "0", " WeeklyDigest" and "DailyReminders,WeeklyDigest".
        if (read.Job is not (nameof(RunJob.DailyReminders) or nameof(RunJob.WeeklyDigest)) || !Enum.TryParse<RunJob>(read.Job, ignoreCase: false, out var job))
        {
            throw new FormatException($"A clinic-run message's job must be {RunJob.DailyReminders} or {RunJob.WeeklyDigest}, not '{read.Job}'.");
        }

        if (!DateOnly.TryParseExact(read.LocalDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new FormatException($"A clinic-run message's localDate must be a yyyy-MM-dd date, not '{read.LocalDate}'.");
        }

        return new ClinicRunMessage(read.ClinicId, job, date);
    }

    /// <summary>Reads a message body, or null when it is not one (a report lists such a body as it is).</summary>
    public static ClinicRunMessage? TryParse(string body)
    {
        try
        {
            return Parse(body);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public override string ToString() => $"clinic={ClinicId} job={Job} date={LocalDate:yyyy-MM-dd}";

    private sealed record Body(string? ClinicId, string? Job, string? LocalDate);
}
