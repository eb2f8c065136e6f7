using System.Text.Json.Serialization;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Catalog;

/// <summary>Everything a rule may need to compute when a credential is next due.</summary>
/// <param name="IssuedOn">Issue or completion date of the latest record; null when there is no record.</param>
/// <param name="HireDate">The person's hire date, for rules anchored at hire.</param>
/// <param name="Birthday">The person's birth month/day, for birthday-anchored state credentials.</param>
/// <param name="Events">Retraining events that apply to this person's clinic.</param>
/// <param name="CredentialCode">
/// The catalog code being computed; event-driven rules use only events of this code. Null means every
/// event in <paramref name="Events"/> applies (the caller filtered them already).
/// </param>
/// <param name="TestingStartDate">When the person began testing patient specimens (CLIA); null: the hire date stands in.</param>
/// <param name="CertifiedOn">The credential's original certification date (AMT: sets the dues anniversary month); null: the issue date stands in.</param>
public sealed record ExpiryContext(
    DateOnly? IssuedOn,
    DateOnly? HireDate,
    MonthDay? Birthday,
    IReadOnlyList<RetrainingEvent> Events,
    string? CredentialCode = null,
    DateOnly? TestingStartDate = null,
    DateOnly? CertifiedOn = null)
{
    /// <summary>A context with only an issue date, for rules that need nothing else.</summary>
    public static ExpiryContext Issued(DateOnly? issuedOn) => new(issuedOn, null, null, []);
}

/// <summary>
/// The closed set of ways an issuer or a law says when a credential is due again. Each kind computes
/// a due date from an <see cref="ExpiryContext"/>; null means "no date can be computed" (the record
/// stays current until an event or a printed date says otherwise, or the input is missing).
/// </summary>
/// <remarks>
/// Serialized with a <c>kind</c> discriminator, e.g. <c>{"kind":"MonthsToEndOfMonth","months":24}</c>;
/// that is the shape of the rules in the catalog JSON.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(MonthsToEndOfMonth), nameof(MonthsToEndOfMonth))]
[JsonDerivedType(typeof(RollingDays), nameof(RollingDays))]
[JsonDerivedType(typeof(ExactMonths), nameof(ExactMonths))]
[JsonDerivedType(typeof(BirthdayAnchored), nameof(BirthdayAnchored))]
[JsonDerivedType(typeof(FixedCalendarCycle), nameof(FixedCalendarCycle))]
[JsonDerivedType(typeof(Staged), nameof(Staged))]
[JsonDerivedType(typeof(SeasonDeadline), nameof(SeasonDeadline))]
[JsonDerivedType(typeof(EventDriven), nameof(EventDriven))]
[JsonDerivedType(typeof(OneTime), nameof(OneTime))]
[JsonDerivedType(typeof(PrintedDate), nameof(PrintedDate))]
[JsonDerivedType(typeof(AnniversaryMonth), nameof(AnniversaryMonth))]
public abstract record ExpiryRule
{
    /// <summary>The date by which the credential must be renewed, or null when none applies.</summary>
    public abstract DateOnly? ComputeDueDate(ExpiryContext context);

    /// <summary>Short human description, e.g. "24 months, to the end of the month of issue".</summary>
    public abstract string Describe();

    /// <summary>
    /// The inputs this rule needs but <paramref name="context"/> lacks, e.g. <c>"birthday"</c>. Empty means
    /// a null <see cref="ComputeDueDate"/> is an answer ("no recurring due date"), not a gap in the data.
    /// </summary>
    public virtual IReadOnlyList<string> MissingInputs(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.IssuedOn is null ? [IssueDateInput] : [];
    }

    /// <summary>
    /// The earliest due date a retraining event of this credential, effective after <paramref name="last"/>,
    /// gives: its effective date plus its <see cref="RetrainingEvent.DueWithinDays"/>. Null when none applies.
    /// </summary>
    protected static DateOnly? RetrainingDue(ExpiryContext context, DateOnly last)
    {
        ArgumentNullException.ThrowIfNull(context);
        DateOnly? due = null;
        foreach (var e in context.Events)
        {
            if (context.CredentialCode is { } code && !string.Equals(e.CredentialCode, code, StringComparison.OrdinalIgnoreCase)) continue;
            if (e.EffectiveOn <= last) continue;
            var eventDue = e.EffectiveOn.AddDays(e.DueWithinDays);
            if (due is null || eventDue < due) due = eventDue;
        }

        return due;
    }

    /// <summary>The earlier of two optional dates.</summary>
    protected static DateOnly? Earliest(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a < b ? a : b;

    internal const string IssueDateInput = "issue date";
    internal const string PrintedDateInput = "printed expiry date";
    internal const string HireDateInput = "hire date";
    internal const string BirthdayInput = "birthday";
}
