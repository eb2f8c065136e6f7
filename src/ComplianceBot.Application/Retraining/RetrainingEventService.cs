using System.Globalization;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Application.Retraining;

/// <summary>One kind of event that makes earlier training stale, and the item it re-opens.</summary>
/// <param name="Name">What HR types, e.g. <c>new_hazard</c>.</param>
/// <param name="CredentialCode">The catalog item re-opened for everyone trained before the event.</param>
/// <param name="DefaultDueWithinDays">Days after the event by which retraining is due, unless the request says otherwise.</param>
/// <param name="Description">What it means, for help texts.</param>
public sealed record RetrainingEventKind(string Name, string CredentialCode, int DefaultDueWithinDays, string Description)
{
    /// <summary>A new hazardous chemical in the work area: HazCom training before working with it (29 CFR 1910.1200(h)(1)).</summary>
    public static readonly RetrainingEventKind NewHazard = new("new_hazard", "OSHA_HAZCOM", 0, "new hazard introduced (HazCom)");

    /// <summary>A material change to privacy or security policies: HIPAA training within a reasonable period, 30 days by default (45 CFR 164.530(b)(2)).</summary>
    public static readonly RetrainingEventKind PolicyChange = new("policy_change", "HIPAA", 30, "material policy change (HIPAA)");

    /// <summary>A new test method or instrument: competency re-assessed before reporting patient results (42 CFR 493.1451(b)(9)).</summary>
    public static readonly RetrainingEventKind MethodChange = new("method_change", "CLIA_COMPETENCY", 0, "method or instrument changed (CLIA)");

    public static readonly IReadOnlyList<RetrainingEventKind> All = [NewHazard, PolicyChange, MethodChange];

    /// <summary>The kind named <paramref name="name"/> (case-insensitive; '-' and ' ' read as '_').</summary>
    public static RetrainingEventKind? Find(string? name) =>
        name is null ? null : All.FirstOrDefault(k => string.Equals(k.Name, name.Trim().Replace('-', '_').Replace(' ', '_'), StringComparison.OrdinalIgnoreCase));
}

/// <summary>A retraining event as HR enters it.</summary>
/// <param name="Kind">A <see cref="RetrainingEventKind"/> name: <c>new_hazard</c>, <c>policy_change</c> or <c>method_change</c>.</param>
/// <param name="EffectiveOn">The day the hazard arrived, the policy took effect or the new method went into use.</param>
/// <param name="Description">What happened, e.g. "New glutaraldehyde disinfectant in exam rooms".</param>
/// <param name="ClinicId">The clinic it happened in; null for the whole organization.</param>
/// <param name="DueWithinDays">Days after <paramref name="EffectiveOn"/> by which retraining is due; null: the kind's default.</param>
public sealed record RetrainingEventRequest(string Kind, DateOnly EffectiveOn, string Description, string? ClinicId = null, int? DueWithinDays = null);

/// <summary>The event recorded, or the field that was wrong and why.</summary>
public sealed record RetrainingEventResult(RetrainingEvent? Event, string? Field = null, string? Problem = null)
{
    public bool Recorded => Event is not null;
}

/// <summary>
/// Records retraining events. Each re-opens the affected item for everyone (of the clinic, or of the whole
/// organization) whose last completion predates the event: the evaluator reads the events and brings their
/// due date forward to the event's date plus its days, and the reminders follow.
/// </summary>
public sealed class RetrainingEventService(IRetrainingEventStore events, IClinicStore clinics, CredentialCatalog catalog, IAuditLog audit, TimeProvider time)
{
    /// <summary>Longest description kept.</summary>
    public const int MaxDescriptionLength = 200;

    /// <summary>Longest time allowed for retraining after an event, in days.</summary>
    public const int MaxDueWithinDays = 365;

    /// <summary>Validates and stores one event, with one audit record; the same event entered twice is stored once.</summary>
    public async Task<RetrainingEventResult> RecordAsync(RetrainingEventRequest request, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (RetrainingEventKind.Find(request.Kind) is not { } kind)
        {
            return Refused("kind", $"'{request.Kind}' is not a retraining event; use {string.Join(", ", RetrainingEventKind.All.Select(k => $"{k.Name} ({k.Description})"))}");
        }

        if (!catalog.TryResolve(kind.CredentialCode, out var type) || !type.Enabled)
        {
            return Refused("kind", $"{kind.CredentialCode} is switched off in this organization's catalog, so a {kind.Name} event would change nothing");
        }

        if (!PlausibleDates.Contains(request.EffectiveOn)) return Refused("effectiveOn", "is a date from 1900 to 2199");
        var description = request.Description?.Trim() ?? string.Empty;
        if (description.Length == 0) return Refused("description", "is required: say what changed");
        if (description.Length > MaxDescriptionLength) return Refused("description", $"is {description.Length} characters long; the limit is {MaxDescriptionLength}");
        if (description.Any(char.IsControl)) return Refused("description", "contains a control character (line break or similar)");
        var days = request.DueWithinDays ?? kind.DefaultDueWithinDays;
        if (days is < 0 or > MaxDueWithinDays) return Refused("dueWithinDays", $"is a number of days from 0 to {MaxDueWithinDays}");

        string? clinicId = null;
        if (!string.IsNullOrWhiteSpace(request.ClinicId))
        {
            clinicId = request.ClinicId.Trim();
            if (!Ids.IsClinicId(clinicId) || await clinics.GetAsync(clinicId, cancellationToken).ConfigureAwait(false) is null)
            {
                return Refused("clinicId", $"no clinic '{clinicId}'; leave it out for an event of the whole organization");
            }
        }

        var recorded = new RetrainingEvent(type.Code, request.EffectiveOn, days, description, clinicId);
        await events.AddAsync(recorded, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(
            new AuditRecord(
                time.GetUtcNow(),
                actor,
                "retraining.add",
                clinicId ?? AuditRecord.Organization,
                type.Code,
                "ok",
                string.Create(CultureInfo.InvariantCulture, $"kind={kind.Name} effective={request.EffectiveOn:yyyy-MM-dd} dueWithinDays={days}")),
            cancellationToken).ConfigureAwait(false);
        return new RetrainingEventResult(recorded);
    }

    /// <summary>Every recorded event, oldest first.</summary>
    public async Task<IReadOnlyList<RetrainingEvent>> ListAsync(CancellationToken cancellationToken = default) =>
        (await events.ListAsync(cancellationToken).ConfigureAwait(false))
            .OrderBy(e => e.EffectiveOn)
            .ThenBy(e => e.CredentialCode, StringComparer.Ordinal)
            .ThenBy(e => e.ClinicId ?? string.Empty, StringComparer.Ordinal)
            .ToList();

    private static RetrainingEventResult Refused(string field, string problem) => new(null, field, problem);
}
