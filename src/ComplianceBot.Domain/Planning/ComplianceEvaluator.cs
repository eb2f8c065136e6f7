using System.Globalization;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Planning;

/// <summary>
/// Says where one person stands against each requirement of their role on one local date. Pure: the
/// caller supplies the records, the retraining events and the clinic's local date.
/// </summary>
/// <remarks>
/// The date printed on a card wins over the computed one; the computed date is the fallback and a
/// cross-check (more than <see cref="DateCheckToleranceDays"/> days apart asks for a date check).
/// Inactive staff are evaluated like anyone else; the planner decides whom to remind.
/// </remarks>
public sealed class ComplianceEvaluator(CredentialCatalog catalog, RequirementPolicy policy)
{
    /// <summary>Printed and computed due dates further apart than this ask someone to check the record.</summary>
    public const int DateCheckToleranceDays = 31;

    private readonly CredentialCatalog _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
    private readonly RequirementPolicy _policy = policy ?? throw new ArgumentNullException(nameof(policy));

    /// <summary>Calendar days from <paramref name="from"/> to <paramref name="to"/>; negative when <paramref name="to"/> is earlier.</summary>
    public static int DaysBetween(DateOnly from, DateOnly to) => to.DayNumber - from.DayNumber;

    /// <summary>
    /// Every requirement of the person's role in this clinic, in policy order, followed by the
    /// credentials they hold that no requirement asks for (e.g. an ACLS card). Requirements whose
    /// options the organization switched off are left out; records of other people are ignored.
    /// </summary>
    public StaffCompliance Evaluate(
        Clinic clinic,
        StaffMember staff,
        IReadOnlyList<CredentialRecord> recordsOfThisPerson,
        IReadOnlyList<RetrainingEvent> events,
        DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(recordsOfThisPerson);
        ArgumentNullException.ThrowIfNull(events);

        var records = recordsOfThisPerson
            .Where(r => string.Equals(r.EmployeeId, staff.EmployeeId, StringComparison.Ordinal))
            .Select(r => (Record: r, Type: _catalog.TryResolve(r.CredentialCode, out var t) ? t : null))
            .ToList();
        var clinicEvents = EventsOf(clinic, events);
        var statuses = new List<RequirementStatus>();
        var required = new HashSet<string>(StringComparer.Ordinal);

        foreach (var requirement in _policy.For(staff.Role, clinic))
        {
            if (requirement.OnlyWhenHolding is { } holding
                && !requirement.AppliesToHolder(records.Where(r => r.Type?.Code == CodeOf(holding.Code)).Select(r => r.Record.CertificationDate)))
            {
                continue;
            }

            var options = requirement.AnyOf
                .Select(code => _catalog.TryResolve(code, out var t) ? t : null)
                .OfType<CredentialType>()
                .Where(t => t.Enabled)
                .ToList();
            if (options.Count == 0) continue;
            required.UnionWith(options.Select(o => o.Code));

            var held = records
                .Where(r => r.Type is not null && options.Any(o => o.Code == r.Type.Code))
                .Select(r => Assess(staff, r.Type, r.Record, clinicEvents, asOf))
                .ToList();
            var status = held.Count == 0 ? Missing(staff, options[0], clinicEvents, asOf) : Best(held);
            statuses.Add(status with { Requirement = requirement.Label, RequirementKey = requirement.Key });
        }

        var extras = records
            .Where(r => r.Type is null || (r.Type.Enabled && !required.Contains(r.Type.Code)))
            .GroupBy(r => r.Type?.Code ?? CredentialCatalog.Normalize(r.Record.CredentialCode), StringComparer.Ordinal)
            .Select(g => Best(g.Select(r => Assess(staff, r.Type, r.Record, clinicEvents, asOf)).ToList()));
        statuses.AddRange(extras);

        return new StaffCompliance(staff, statuses);
    }

    /// <summary>
    /// The status of one record on its own (labelled with the type's name and keyed by its code), for
    /// a credential no requirement asks for. A code the catalog does not know needs a date check.
    /// </summary>
    public RequirementStatus EvaluateRecord(
        Clinic clinic,
        StaffMember staff,
        CredentialRecord record,
        IReadOnlyList<RetrainingEvent> events,
        DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(events);
        var type = _catalog.TryResolve(record.CredentialCode, out var t) ? t : null;
        return Assess(staff, type, record, EventsOf(clinic, events), asOf);
    }

    private string CodeOf(string codeOrAlias) => _catalog.TryResolve(codeOrAlias, out var t) ? t.Code : codeOrAlias;

    private static List<RetrainingEvent> EventsOf(Clinic clinic, IReadOnlyList<RetrainingEvent> events) =>
        events.Where(e => e.ClinicId is null || string.Equals(e.ClinicId, clinic.Id, StringComparison.OrdinalIgnoreCase)).ToList();

    private RequirementStatus Assess(
        StaffMember staff,
        CredentialType? type,
        CredentialRecord record,
        IReadOnlyList<RetrainingEvent> clinicEvents,
        DateOnly asOf)
    {
        DateOnly? computed = null;
        DateOnly? calendar = null;
        var inputsMissing = record.IssuedOn is null;
        if (type is not null && record.IssuedOn is not null)
        {
            // A record without an issue date is not "never done": rules that read a null IssuedOn as
            // "no record yet" (hire-anchored ones) must not see it, so it only gets a printed date.
            var context = ContextFor(staff, type, record, clinicEvents);
            computed = type.Rule.ComputeDueDate(context);
            calendar = context.Events.Count == 0 ? computed : type.Rule.ComputeDueDate(context with { Events = [] });
            inputsMissing = type.Rule.MissingInputs(context).Count > 0;
        }

        // A retraining event after the last completion brings the date forward, even past a printed one:
        // the certificate says when the training lapses, not that a new hazard needs no training.
        var retraining = computed is { } c && (calendar is null || c < calendar) ? computed : null;
        var printed = record.PrintedExpiresOn;
        var due = printed is { } p ? (retraining is { } r && r < p ? r : p) : computed;
        var dateCheck =
            type is null
            || record.IssuedOn > asOf
            || (printed is { } pd && calendar is { } cd && Math.Abs(DaysBetween(cd, pd)) > DateCheckToleranceDays)
            || (due is null && inputsMissing);

        var label = type?.Name ?? $"Unknown credential {record.CredentialCode}";
        var key = type?.Code ?? CredentialCatalog.Normalize(record.CredentialCode);
        int? daysLeft = due is { } d ? DaysBetween(asOf, d) : null;
        var state = StateOf(daysLeft, dateCheck, ExpiringWithinDays(type));
        var advice = state == ComplianceState.Expired && type?.Lapse is { } lapse && due is { } expiredOn
            ? LapseAdvice(lapse, expiredOn, asOf)
            : null;
        return new RequirementStatus(label, key, state, type, record, due, computed, daysLeft, dateCheck, advice);
    }

    private RequirementStatus Missing(
        StaffMember staff,
        CredentialType preferred,
        IReadOnlyList<RetrainingEvent> clinicEvents,
        DateOnly asOf)
    {
        // Hire-anchored rules (HIPAA, HazCom, CLIA) give a first due date even with no record, so the
        // planner can tell a new hire's grace period from an overdue item.
        var due = preferred.Rule.ComputeDueDate(ContextFor(staff, preferred, null, clinicEvents));
        int? daysLeft = due is { } d ? DaysBetween(asOf, d) : null;
        return new RequirementStatus(
            preferred.Name, preferred.Code, ComplianceState.Missing, null, null, due, due, daysLeft, false, null);
    }

    private ExpiryContext ContextFor(
        StaffMember staff,
        CredentialType type,
        CredentialRecord? record,
        IReadOnlyList<RetrainingEvent> clinicEvents)
    {
        // Events may name a type by alias; hand the rule only this type's events, under its code.
        var events = clinicEvents
            .Where(e => _catalog.TryResolve(e.CredentialCode, out var t) && t.Code == type.Code)
            .Select(e => e with { CredentialCode = type.Code })
            .ToList();
        return new ExpiryContext(record?.IssuedOn, staff.HireDate, staff.BirthMonthDay, events, type.Code, staff.TestingStartDate, record?.CertifiedOn);
    }

    /// <summary>From the largest reminder threshold on, an item is "expiring" (thresholds are largest first).</summary>
    private int ExpiringWithinDays(CredentialType? type) => _catalog.ThresholdsOf(type) is { Count: > 0 } t ? t[0] : 0;

    private static ComplianceState StateOf(int? daysLeft, bool dateCheck, int expiringWithinDays) => daysLeft switch
    {
        null => dateCheck ? ComplianceState.NeedsDateCheck : ComplianceState.Current,
        < 0 => ComplianceState.Expired,
        0 => ComplianceState.DueToday,
        { } n when n <= expiringWithinDays => ComplianceState.Expiring,
        _ => dateCheck ? ComplianceState.NeedsDateCheck : ComplianceState.Current,
    };

    private static string LapseAdvice(LapseWindow lapse, DateOnly expiredOn, DateOnly asOf)
    {
        var windowEnd = lapse.EndsOn(expiredOn);
        return asOf <= windowEnd
            ? $"{lapse.InsideWindow} until {windowEnd.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture)}"
            : lapse.AfterWindow;
    }

    // Of several records that could satisfy one requirement, the one that keeps the person compliant
    // longest: a known date beats an unknown one, no recurring due date beats any date.
    private static RequirementStatus Best(IReadOnlyList<RequirementStatus> candidates) => candidates
        .OrderByDescending(s => s.DueDate ?? (s.DateCheckRequired ? DateOnly.MinValue : DateOnly.MaxValue))
        .ThenBy(s => s.DateCheckRequired)
        .First();
}
