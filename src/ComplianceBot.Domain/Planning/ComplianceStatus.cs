using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Planning;

/// <summary>Where one person stands against one requirement on one local date.</summary>
public enum ComplianceState
{
    Current,
    NeedsDateCheck,
    Expiring,
    DueToday,
    Expired,
    Missing,
}

/// <summary>Status of one (staff member, requirement) pair.</summary>
/// <param name="Requirement">Display label of the requirement, e.g. "BLS (AHA or Red Cross)".</param>
/// <param name="RequirementKey">Stable key, e.g. <c>BLS|BLS_ARC</c>, used in ledger keys and reports.</param>
/// <param name="Credential">The catalog entry that satisfies (or best satisfies) it; null when missing.</param>
/// <param name="Record">The record used; null when missing.</param>
/// <param name="DueDate">Effective expiry/due date (printed date wins over computed).</param>
/// <param name="ComputedDueDate">What the catalog rule computes, for the cross-check.</param>
/// <param name="DaysLeft">Days from the as-of date to <paramref name="DueDate"/>; negative when overdue.</param>
/// <param name="DateCheckRequired">Printed and computed dates disagree by more than a month.</param>
/// <param name="LapseAdvice">After expiry: what is still possible, from the lapse window.</param>
public sealed record RequirementStatus(
    string Requirement,
    string RequirementKey,
    ComplianceState State,
    CredentialType? Credential,
    CredentialRecord? Record,
    DateOnly? DueDate,
    DateOnly? ComputedDueDate,
    int? DaysLeft,
    bool DateCheckRequired,
    string? LapseAdvice);

/// <summary>All requirement statuses of one person.</summary>
public sealed record StaffCompliance(StaffMember Staff, IReadOnlyList<RequirementStatus> Requirements)
{
    public bool NeedsAction => Requirements.Any(r => r.State is not ComplianceState.Current);
}
