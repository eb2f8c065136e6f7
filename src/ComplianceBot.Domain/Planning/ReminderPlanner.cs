using System.Globalization;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Planning;

/// <summary>Everything the planner needs about one clinic on one local date.</summary>
/// <param name="LastCompletedRun">Local date of the last daily run that completed; thresholds crossed after it are due now (catch-up).</param>
/// <param name="DoneKeys">Ledger keys that must not be planned again (sent, in flight, given up on).</param>
/// <param name="DeliveryByEmail">Latest provider event per address, for the digest's "not arriving" list.</param>
/// <param name="AwaitingVerification">
/// Items a person renewed themselves whose submission waits for verification (within the pause): their personal
/// reminders pause, and the digest lists them as awaiting verification. Escalations go on.
/// </param>
public sealed record PlanningInput(
    Clinic Clinic,
    IReadOnlyList<StaffMember> Staff,
    IReadOnlyList<CredentialRecord> Records,
    IReadOnlyList<RetrainingEvent> Events,
    DateOnly AsOf,
    DateOnly? LastCompletedRun,
    IReadOnlySet<string> DoneKeys,
    IReadOnlyDictionary<string, DeliveryEvent>? DeliveryByEmail = null,
    IReadOnlyCollection<PendingVerification>? AwaitingVerification = null)
{
    /// <summary>Whether one of the codes satisfying <paramref name="status"/> was sent by <paramref name="staff"/> and waits for verification.</summary>
    public bool IsAwaitingVerification(StaffMember staff, RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(status);
        if (AwaitingVerification is not { Count: > 0 } pending) return false;
        var codes = status.RequirementKey.Split('|');
        return pending.Any(p => p.EmployeeId == staff.EmployeeId && (codes.Contains(p.CredentialCode, StringComparer.Ordinal) || p.CredentialCode == status.Credential?.Code));
    }
}

/// <summary>A self-service renewal of one credential of one person, waiting for HR or a manager to verify it.</summary>
public sealed record PendingVerification(string EmployeeId, string CredentialCode);

/// <summary>
/// Decides, as a pure function of its input, which reminders, escalations and digest one clinic
/// should be sent on one local date. Preview and the timers both call it, so what is previewed is
/// exactly what is sent.
/// </summary>
public sealed class ReminderPlanner(ComplianceEvaluator evaluator, CredentialCatalog catalog, ReminderSettings settings)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public ReminderSettings Settings => settings;

    public ReminderPlan Plan(PlanningInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var clinic = input.Clinic;
        var active = input.Staff.Where(s => s.Active && s.ClinicId == clinic.Id).ToList();
        var compliance = Evaluate(input, active);
        var datesToCorrect = PlausibleDates.Find(active, input.Records);

        if (!clinic.IsBusinessDay(input.AsOf))
        {
            // Alert fatigue: nothing goes out on a clinic's days off; the next business day catches up.
            return new ReminderPlan(clinic, input.AsOf, [], [], null, datesToCorrect);
        }

        var reminders = new List<PersonalReminder>();
        var escalationItems = new List<PlannedItem>();
        foreach (var person in compliance)
        {
            var personalItems = new List<PlannedItem>();
            foreach (var status in person.Requirements)
            {
                if (!input.IsAwaitingVerification(person.Staff, status) && PlanItem(input, person.Staff, status, KeyPrefix.Personal) is { } item)
                {
                    personalItems.Add(item);
                }

                if (PlanItem(input, person.Staff, status, KeyPrefix.Escalation) is { } escalation)
                {
                    escalationItems.Add(escalation);
                }
            }

            var gate = PersonDayKey(clinic.Id, person.Staff.EmployeeId, input.AsOf);
            if (personalItems.Count > 0 && !input.DoneKeys.Contains(gate.Value) && HasAddress(person.Staff))
            {
                reminders.Add(new PersonalReminder(clinic, person.Staff, input.AsOf, SoonestFirst(personalItems)));
            }
        }

        var escalations = new List<Escalation>();
        var escalationGate = EscalationDayKey(clinic.Id, input.AsOf);
        var managers = DeliverableManagers(clinic);
        if (escalationItems.Count > 0 && managers.Count > 0 && !input.DoneKeys.Contains(escalationGate.Value))
        {
            escalations.Add(new Escalation(clinic, managers, input.AsOf, SoonestFirst(escalationItems)));
        }

        return new ReminderPlan(clinic, input.AsOf, reminders, escalations, PlanDigest(input, compliance, datesToCorrect), datesToCorrect);
    }

    /// <summary>Statuses of every active person, for reports and the digest.</summary>
    public IReadOnlyList<StaffCompliance> Evaluate(PlanningInput input, IReadOnlyList<StaffMember> staff)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(staff);
        // Rows stored before the import refused placeholder dates are read with those dates absent, so one
        // person's 9999-12-31 shows as a missing item instead of stopping everyone's reminders.
        var recordsByPerson = input.Records.Select(PlausibleDates.Sanitized).OfType<CredentialRecord>().ToLookup(r => r.EmployeeId, StringComparer.Ordinal);
        var events = input.Events.Where(e => e.ClinicId is null || e.ClinicId == input.Clinic.Id).ToList();
        return staff
            .OrderBy(s => s.LastName, StringComparer.OrdinalIgnoreCase)
            .ThenBy(s => s.FirstName, StringComparer.OrdinalIgnoreCase)
            .ThenBy(s => s.EmployeeId, StringComparer.Ordinal)
            .Select(s => evaluator.Evaluate(input.Clinic, PlausibleDates.Sanitized(s), recordsByPerson[s.EmployeeId].ToList(), events, input.AsOf))
            .ToList();
    }

    /// <summary>The gate key that keeps one person to one personal reminder a day.</summary>
    public static LedgerKey PersonDayKey(string clinicId, string employeeId, DateOnly day) =>
        new(clinicId, $"P|{employeeId}|{day:yyyy-MM-dd}");

    /// <summary>The gate key that keeps a clinic's managers to one escalation a day.</summary>
    public static LedgerKey EscalationDayKey(string clinicId, DateOnly day) =>
        new(clinicId, $"X|{day:yyyy-MM-dd}");

    /// <summary>The key that claims a clinic's digest for one ISO week.</summary>
    public static LedgerKey DigestKey(string clinicId, DateOnly day) =>
        new(clinicId, string.Create(Invariant, $"D|{ISOWeek.GetYear(day.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(day.ToDateTime(TimeOnly.MinValue)):00}"));

    /// <summary>Whether a ledger key is a message's gate (a person's day, an escalation's day, a digest's week) rather than one of its lines.</summary>
    public static bool IsMessageKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith("P|", StringComparison.Ordinal) || key.StartsWith("X|", StringComparison.Ordinal) || key.StartsWith("D|", StringComparison.Ordinal);
    }

    /// <summary>
    /// How many of one clinic's messages of <paramref name="kinds"/> for <paramref name="day"/> the ledger
    /// already holds: their gate keys (a person's day, the escalation's day, the digest's week) are among
    /// <paramref name="doneKeys"/>. The planner leaves those messages out; a run reports them as skipped.
    /// </summary>
    public static int CountAlreadySent(string clinicId, DateOnly day, IEnumerable<string> doneKeys, params MessageKind[] kinds)
    {
        ArgumentNullException.ThrowIfNull(doneKeys);
        ArgumentNullException.ThrowIfNull(kinds);
        var personal = kinds.Contains(MessageKind.PersonalReminder);
        var personSuffix = string.Create(Invariant, $"|{day:yyyy-MM-dd}");
        var escalation = kinds.Contains(MessageKind.Escalation) ? EscalationDayKey(clinicId, day).Value : null;
        var digest = kinds.Contains(MessageKind.WeeklyDigest) ? DigestKey(clinicId, day).Value : null;
        return doneKeys.Count(key =>
            (personal && key.StartsWith("P|", StringComparison.Ordinal) && key.EndsWith(personSuffix, StringComparison.Ordinal))
            || key == escalation
            || key == digest);
    }

    private enum KeyPrefix
    {
        Personal,
        Escalation,
    }

    private PlannedItem? PlanItem(PlanningInput input, StaffMember staff, RequirementStatus status, KeyPrefix prefix)
    {
        if (status.DueDate is { } due)
        {
            return PlanDated(input, staff, status, due, prefix);
        }

        return status.State == ComplianceState.Missing ? PlanMissingUndated(input, staff, status, prefix) : null;
    }

    /// <summary>
    /// An item with a due date: thresholds are days before the due date (positive), the due date (0)
    /// and repeats after it (negative). A threshold is "crossed" on due − t. Every threshold crossed
    /// since the last completed run is claimed; the latest one names the line.
    /// </summary>
    private PlannedItem? PlanDated(PlanningInput input, StaffMember staff, RequirementStatus status, DateOnly due, KeyPrefix prefix)
    {
        var crossed = new List<int>();
        foreach (var threshold in Thresholds(status, prefix, input.AsOf, due))
        {
            var crossing = due.AddDays(-threshold);
            if (crossing > input.AsOf) continue;
            if (input.LastCompletedRun is { } last && crossing <= last) continue;
            crossed.Add(threshold);
        }

        if (crossed.Count == 0) return null;

        // The most recent crossing (smallest threshold) describes where the item stands today.
        crossed.Sort();
        if (input.LastCompletedRun is null)
        {
            // First run for this clinic: report today's standing once, without replaying history.
            crossed.RemoveRange(1, crossed.Count - 1);
        }

        var code = status.Credential?.Code ?? status.RequirementKey;
        var letter = prefix == KeyPrefix.Personal ? "R" : "E";
        var keys = crossed
            .Select(t => new LedgerKey(input.Clinic.Id, string.Create(Invariant, $"{letter}|{staff.EmployeeId}|{code}|{due:yyyy-MM-dd}|{t}")))
            .ToList();

        // Today's standing was already reported: older thresholds are history, not news.
        if (input.DoneKeys.Contains(keys[0].Value)) return null;

        return new PlannedItem(keys[0], keys.Skip(1).Where(k => !input.DoneKeys.Contains(k.Value)).ToList(), staff, status, crossed[0]);
    }

    private IEnumerable<int> Thresholds(RequirementStatus status, KeyPrefix prefix, DateOnly asOf, DateOnly due)
    {
        var overdueDays = Math.Max(0, asOf.DayNumber - due.DayNumber);
        var repeats = overdueDays / settings.OverdueRepeatDays;
        if (prefix == KeyPrefix.Escalation)
        {
            // Managers hear the day after the due date, then weekly for as long as it stays overdue.
            if (status.State is not (ComplianceState.Expired or ComplianceState.Missing)) yield break;
            for (var k = 0; k <= repeats; k++)
            {
                yield return -1 - (k * settings.OverdueRepeatDays);
            }

            yield break;
        }

        foreach (var t in catalog.ThresholdsOf(status.Credential ?? FirstOption(status)))
        {
            yield return t;
        }

        for (var k = 1; k <= Math.Min(repeats, settings.MaxOverdueReminders); k++)
        {
            yield return -k * settings.OverdueRepeatDays;
        }
    }

    /// <summary>
    /// A required credential with no record and no rule-given deadline: the person hears once a
    /// week; managers hear weekly once the person is past the hiring grace period.
    /// </summary>
    private PlannedItem? PlanMissingUndated(PlanningInput input, StaffMember staff, RequirementStatus status, KeyPrefix prefix)
    {
        if (prefix == KeyPrefix.Escalation
            && staff.HireDate is { } hired
            && input.AsOf.DayNumber - hired.DayNumber < settings.MissingGraceDays)
        {
            return null;
        }

        var week = input.AsOf.ToDateTime(TimeOnly.MinValue);
        var key = new LedgerKey(
            input.Clinic.Id,
            string.Create(Invariant, $"{(prefix == KeyPrefix.Personal ? "RM" : "EM")}|{staff.EmployeeId}|{status.RequirementKey}|{ISOWeek.GetYear(week)}-W{ISOWeek.GetWeekOfYear(week):00}"));
        return input.DoneKeys.Contains(key.Value) ? null : new PlannedItem(key, [], staff, status, 0);
    }

    private WeeklyDigest? PlanDigest(PlanningInput input, IReadOnlyList<StaffCompliance> compliance, IReadOnlyList<ImplausibleDate> datesToCorrect)
    {
        var clinic = input.Clinic;
        var key = DigestKey(clinic.Id, input.AsOf);
        var managers = DeliverableManagers(clinic);
        if (managers.Count == 0 || input.DoneKeys.Contains(key.Value)) return null;

        var lines = new List<DigestLine>();
        foreach (var person in compliance)
        {
            foreach (var status in person.Requirements)
            {
                if (DigestSectionOf(status, input.AsOf) is { } section)
                {
                    lines.Add(new DigestLine(section, person.Staff, status));
                }

                if (input.IsAwaitingVerification(person.Staff, status))
                {
                    lines.Add(new DigestLine(DigestSection.AwaitingVerification, person.Staff, status));
                }
            }
        }

        var ordered = lines
            .OrderBy(l => l.Section)
            .ThenBy(l => l.Status.DaysLeft ?? int.MinValue)
            .ThenBy(l => l.Staff.LastName, StringComparer.OrdinalIgnoreCase)
            .ThenBy(l => l.Staff.FirstName, StringComparer.OrdinalIgnoreCase)
            .ToList();

        var undeliverable = compliance
            .Select(c => c.Staff)
            .Where(s => input.DeliveryByEmail is not null
                && input.DeliveryByEmail.TryGetValue(s.Email.ToUpperInvariant(), out var e)
                && e.Type is DeliveryEventType.Bounce or DeliveryEventType.Dropped or DeliveryEventType.SpamReport)
            .ToList();

        var date = input.AsOf.ToDateTime(TimeOnly.MinValue);
        return new WeeklyDigest(key, clinic, managers, input.AsOf, ISOWeek.GetYear(date), ISOWeek.GetWeekOfYear(date), ordered, undeliverable, datesToCorrect);
    }

    /// <summary>
    /// The clinic's manager addresses that can be delivered to, trimmed and without duplicates. One malformed
    /// address (stored before addresses were checked at input) would make the provider refuse the whole
    /// message; it is left out, so the other managers still get their escalation and digest.
    /// </summary>
    public static IReadOnlyList<string> DeliverableManagers(Clinic clinic)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        return clinic.ManagerEmails
            .Select(e => e?.Trim() ?? string.Empty)
            .Where(PlainEmailAddress.IsValid)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private DigestSection? DigestSectionOf(RequirementStatus status, DateOnly asOf)
    {
        switch (status.State)
        {
            case ComplianceState.Expired:
                return DigestSection.Expired;
            case ComplianceState.DueToday:
                return DigestSection.DueToday;
            case ComplianceState.Missing:
                return DigestSection.Missing;
        }

        if (status.DaysLeft is { } left)
        {
            if (left <= 30) return DigestSection.ExpiringWithin30Days;
            if (left <= 60) return DigestSection.ExpiringWithin60Days;
            if (left <= 90) return DigestSection.ExpiringWithin90Days;
        }

        if (status.DateCheckRequired) return DigestSection.NeedsDateCheck;

        if (status.Record?.IssuedOn is { } issued
            && issued <= asOf
            && asOf.DayNumber - issued.DayNumber <= settings.RecentlyRenewedDays)
        {
            return DigestSection.RecentlyRenewed;
        }

        return null;
    }

    /// <summary>For a missing requirement: the first credential that would satisfy it.</summary>
    private CredentialType? FirstOption(RequirementStatus status) =>
        catalog.TryResolve(status.RequirementKey.Split('|')[0], out var type) ? type : null;

    private static List<PlannedItem> SoonestFirst(IEnumerable<PlannedItem> items) =>
        items
            .OrderBy(i => i.Status.DueDate ?? DateOnly.MinValue)
            .ThenBy(i => i.Staff.LastName, StringComparer.OrdinalIgnoreCase)
            .ThenBy(i => i.Status.Requirement, StringComparer.Ordinal)
            .ToList();

    private static bool HasAddress(StaffMember staff) => !string.IsNullOrWhiteSpace(staff.Email);
}
