using System.Text.Json.Serialization;

namespace ComplianceBot.Domain.Catalog;

/// <summary>What kind of thing a credential is; drives grouping in reports.</summary>
public enum CredentialCategory
{
    Certification,
    Card,
    Training,
    HealthScreening,
    StateCredential,
}

/// <summary>
/// Whether a catalog rule is the issuer's or the law's own (encode as a rule) or a practice default
/// that an organization may change or switch off (say so wherever a user sees it).
/// </summary>
public enum RuleBasis
{
    IssuerRule,
    PracticeDefault,
    Unverified,
}

/// <summary>
/// After expiry, the window in which a cheaper recovery path is still open, e.g. AAMA: CE
/// recertification within 90 days of expiry, exam only after that; WA MA-C: 3 years.
/// </summary>
/// <param name="Days">Length of the window after the expiry date, in days (added after <paramref name="Months"/>).</param>
/// <param name="InsideWindow">What is still possible inside the window.</param>
/// <param name="AfterWindow">What is required once the window has closed.</param>
/// <param name="Months">Length in calendar months, for windows the rule states in years (3 years = 36).</param>
public sealed record LapseWindow(int Days, string InsideWindow, string AfterWindow, int Months = 0)
{
    /// <summary>The last day of the window for an item that expired on <paramref name="expiredOn"/>.</summary>
    public DateOnly EndsOn(DateOnly expiredOn) => expiredOn.AddMonths(Months).AddDays(Days);
}

/// <summary>One entry of the credential catalog.</summary>
/// <param name="ReminderThresholds">
/// Days before the due date at which reminders go out, largest first: the entry's own, or the
/// organization's default when <paramref name="InheritsThresholds"/> (the catalog fills them in).
/// </param>
/// <param name="InheritsThresholds">The entry names no thresholds of its own and follows <c>Reminders:DefaultThresholds</c>.</param>
public sealed record CredentialType(
    string Code,
    string Name,
    string Issuer,
    CredentialCategory Category,
    ExpiryRule Rule,
    RuleBasis Basis,
    IReadOnlyList<int> ReminderThresholds,
    string RenewalSteps,
    string SourceUrl,
    LapseWindow? Lapse = null,
    IReadOnlyList<string>? Aliases = null,
    bool Enabled = true,
    [property: JsonIgnore] bool InheritsThresholds = false)
{
    // Records compare lists by reference; compare thresholds and aliases by value so a catalog read
    // back from its own JSON equals the original.
    public bool Equals(CredentialType? other) =>
        other is not null
        && Code == other.Code
        && Name == other.Name
        && Issuer == other.Issuer
        && Category == other.Category
        && Equals(Rule, other.Rule)
        && Basis == other.Basis
        && ReminderThresholds.SequenceEqual(other.ReminderThresholds)
        && RenewalSteps == other.RenewalSteps
        && SourceUrl == other.SourceUrl
        && Equals(Lapse, other.Lapse)
        && (Aliases ?? []).SequenceEqual(other.Aliases ?? [])
        && Enabled == other.Enabled
        && InheritsThresholds == other.InheritsThresholds;

    public override int GetHashCode() => HashCode.Combine(Code, Rule, Enabled);
}
