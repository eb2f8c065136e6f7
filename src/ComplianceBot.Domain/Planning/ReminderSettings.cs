namespace ComplianceBot.Domain.Planning;

/// <summary>
/// Organization-wide cadence of reminders, escalations and digests. Every value is a practice
/// default, documented in the README under "Reminders", and can be changed in configuration.
/// </summary>
public sealed record ReminderSettings
{
    /// <summary>After the due date, a reminder (and an escalation) repeats every this many days.</summary>
    public int OverdueRepeatDays { get; set; } = 7;

    /// <summary>Personal reminders stop after this many overdue repeats; the manager's escalations and digest go on.</summary>
    public int MaxOverdueReminders { get; set; } = 12;

    /// <summary>A required credential may be missing this many days after hire before managers are told.</summary>
    public int MissingGraceDays { get; set; } = 30;

    /// <summary>Records issued within this many days show as "recently renewed" in the digest.</summary>
    public int RecentlyRenewedDays { get; set; } = 14;

    /// <summary>
    /// Thresholds (days before due) for catalog entries without their own. Configuration only: the
    /// composition root applies them to the catalog (<see cref="Catalog.CredentialCatalog.WithDefaultThresholds"/>),
    /// which is where the planner and the evaluator read every item's thresholds.
    /// </summary>
    public IReadOnlyList<int> DefaultThresholds { get; set; } = [90, 60, 30, 14, 7, 1, 0];

    /// <summary>How long a claim stays owned by a run that has not finished with it.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a message the provider refused with a transient error may be tried, in all runs together.</summary>
    public int MaxSendAttempts { get; set; } = 3;

    /// <summary>How many messages of one clinic are sent at once.</summary>
    public int SendConcurrency { get; set; } = 8;

    /// <summary>How many clinics one timer invocation processes at once.</summary>
    public int ClinicConcurrency { get; set; } = 4;

    /// <summary>
    /// Hours after the clinic's send hour in which a run that did not complete is tried again
    /// (the timer fires hourly); outside them nothing is sent, so no one is emailed at night.
    /// </summary>
    public int SendWindowHours { get; set; } = 8;
}
