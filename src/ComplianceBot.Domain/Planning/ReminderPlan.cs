using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Planning;

/// <summary>
/// Identifies one reminder obligation in the ledger: a (person, credential, due date, threshold)
/// for personal reminders and escalations, or a (clinic, ISO week) for digests. The same key is
/// never planned twice; a renewal changes the due date and therefore starts a new series.
/// </summary>
/// <param name="ClinicId">Partition the claim lives in.</param>
/// <param name="Value">Stable string form, e.g. <c>R|E123|BLS|2026-12-31|30</c>.</param>
public readonly record struct LedgerKey(string ClinicId, string Value)
{
    public override string ToString() => Value;
}

/// <summary>What kind of message a planned item belongs to.</summary>
public enum MessageKind
{
    PersonalReminder,
    Escalation,
    WeeklyDigest,
}

/// <summary>One line of a reminder or escalation: one credential of one person.</summary>
/// <param name="Key">Ledger key for the threshold this line answers; also claimed: <paramref name="AlsoCrossed"/>.</param>
/// <param name="AlsoCrossed">Earlier thresholds crossed since the last run (catch-up), claimed together so none is sent again.</param>
public sealed record PlannedItem(
    LedgerKey Key,
    IReadOnlyList<LedgerKey> AlsoCrossed,
    StaffMember Staff,
    RequirementStatus Status,
    int Threshold)
{
    public IEnumerable<LedgerKey> AllKeys => AlsoCrossed.Prepend(Key);
}

/// <summary>One consolidated personal reminder: everything of one person's that is due, soonest first.</summary>
public sealed record PersonalReminder(Clinic Clinic, StaffMember Recipient, DateOnly AsOf, IReadOnlyList<PlannedItem> Items);

/// <summary>One message to a clinic's managers: who is overdue or missing what.</summary>
public sealed record Escalation(Clinic Clinic, IReadOnlyList<string> ManagerEmails, DateOnly AsOf, IReadOnlyList<PlannedItem> Items);

/// <summary>A digest line group, worst first.</summary>
public enum DigestSection
{
    Expired,
    DueToday,
    ExpiringWithin30Days,
    ExpiringWithin60Days,
    ExpiringWithin90Days,
    Missing,
    NeedsDateCheck,

    /// <summary>Renewed by the person through their link; waiting for HR or a manager to check the certificate.</summary>
    AwaitingVerification,
    RecentlyRenewed,
}

/// <summary>One person/requirement line of a digest.</summary>
public sealed record DigestLine(DigestSection Section, StaffMember Staff, RequirementStatus Status);

/// <summary>The weekly digest for one clinic, claimed per (clinic, ISO week).</summary>
/// <param name="UndeliverableStaff">Staff whose email bounced or was dropped recently.</param>
/// <param name="DatesToCorrect">Placeholder dates on the clinic's roster or records, read as absent until HR corrects them.</param>
public sealed record WeeklyDigest(
    LedgerKey Key,
    Clinic Clinic,
    IReadOnlyList<string> ManagerEmails,
    DateOnly AsOf,
    int IsoYear,
    int IsoWeek,
    IReadOnlyList<DigestLine> Lines,
    IReadOnlyList<StaffMember> UndeliverableStaff,
    IReadOnlyList<ImplausibleDate> DatesToCorrect)
{
    /// <summary>
    /// This clinic's runs that failed every attempt and were set aside (the poison queue), one line each, e.g.
    /// <c>clinic=clinic-a job=DailyReminders date=2026-03-02 queued=2026-03-02 14:05:00Z</c>. Filled in by the run,
    /// not the planner: it comes from the queue, not from the clinic's data.
    /// </summary>
    public IReadOnlyList<string> SetAsideRuns { get; init; } = [];

    public int Count(DigestSection section) => Lines.Count(l => l.Section == section);
}

/// <summary>Everything one clinic should be sent on one local date.</summary>
/// <param name="DatesToCorrect">
/// Placeholder dates of active staff, read as absent (the item counts as missing) so nobody else's reminders stop;
/// the run summary names them by employee id and the digest lists them for the managers.
/// </param>
public sealed record ReminderPlan(
    Clinic Clinic,
    DateOnly AsOf,
    IReadOnlyList<PersonalReminder> Reminders,
    IReadOnlyList<Escalation> Escalations,
    WeeklyDigest? Digest,
    IReadOnlyList<ImplausibleDate> DatesToCorrect)
{
    public bool IsEmpty => Reminders.Count == 0 && Escalations.Count == 0 && Digest is null;
}
