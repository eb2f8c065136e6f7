using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Catalog;

/// <summary>Everything a rule may need to compute when a credential is next due.</summary>
/// <param name="IssuedOn">Issue or completion date of the latest record; null when there is no record.</param>
/// <param name="HireDate">The person's hire date, for rules anchored at hire.</param>
/// <param name="Birthday">The person's birth month/day, for birthday-anchored state credentials.</param>
/// <param name="Events">Retraining events that apply to this person's clinic.</param>
public sealed record ExpiryContext(
    DateOnly? IssuedOn,
    DateOnly? HireDate,
    MonthDay? Birthday,
    IReadOnlyList<RetrainingEvent> Events);

/// <summary>
/// The closed set of ways an issuer or a law says when a credential is due again. Each kind computes
/// a due date from an <see cref="ExpiryContext"/>; null means "no date can be computed" (the record
/// stays current until an event or a printed date says otherwise, or the input is missing).
/// </summary>
public abstract record ExpiryRule
{
    /// <summary>The date by which the credential must be renewed, or null when none applies.</summary>
    public abstract DateOnly? ComputeDueDate(ExpiryContext context);

    /// <summary>Short human description, e.g. "24 months, to the end of the month of issue".</summary>
    public abstract string Describe();
}
