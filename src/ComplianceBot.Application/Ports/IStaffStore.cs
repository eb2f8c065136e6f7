using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Staff members, read one clinic at a time.</summary>
public interface IStaffStore
{
    /// <summary>The person, or null. Employee ids are unique across the organization.</summary>
    Task<StaffMember?> GetAsync(string employeeId, CancellationToken cancellationToken = default);

    /// <summary>The person with the version of their row (an HTTP ETag), or null.</summary>
    Task<Versioned<StaffMember>?> GetVersionedAsync(string employeeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces one person when their stored row satisfies <paramref name="precondition"/>, checked
    /// against the row's version when it is written. A person who moves clinic is removed from the old one.
    /// </summary>
    Task<ConditionalWrite> PutAsync(StaffMember member, WritePrecondition precondition, CancellationToken cancellationToken = default);

    /// <summary>Every employee id of the organization with the clinic it belongs to (for validating imports).</summary>
    Task<IReadOnlyDictionary<string, string>> ClinicsByEmployeeAsync(CancellationToken cancellationToken = default);

    /// <summary>Every staff member (active and inactive) of one clinic.</summary>
    Task<IReadOnlyList<StaffMember>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the given staff members (any clinics) in entity-group batches per clinic. Rows equal to
    /// what is stored are not written and come back as <see cref="WriteOutcome.Unchanged"/>. A person
    /// who moves clinic is removed from the old clinic, and their credential records move with them.
    /// A person new to a clinic is claimed first, as <see cref="PutAsync"/> claims them, so two writes racing
    /// for the same person put them in one clinic; the write that lost comes back as <see cref="WriteOutcome.Conflict"/>.
    /// </summary>
    Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every person whose staff rows are in more than one clinic, or whose clinic on record (the lookup that
    /// answers "which clinic is this person in") does not hold their staff row, ordered by employee id.
    /// </summary>
    Task<IReadOnlyList<RosterProblem>> FindRosterProblemsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Repairs one problem found by <see cref="FindRosterProblemsAsync"/>: keeps the clinic on record when it holds
    /// the person's row (else the clinic whose row is active, then the first by id), points the record there, carries
    /// over the credential records the kept clinic lacks and removes the other copies. A person with no staff row
    /// anywhere loses the stale clinic record, so the next roster import adds them afresh.
    /// </summary>
    Task<RosterRepair> RepairAsync(RosterProblem problem, CancellationToken cancellationToken = default);
}

/// <summary>One person whose stored rows disagree: staff rows in <see cref="StaffClinicIds"/>, clinic on record <see cref="IndexClinicId"/>.</summary>
/// <param name="IndexClinicId">The clinic the organization-wide lookup names, or null when it has no entry for the person.</param>
public sealed record RosterProblem(string EmployeeId, string? IndexClinicId, IReadOnlyList<string> StaffClinicIds)
{
    /// <summary>The problem in words, for HR.</summary>
    public string Describe() => StaffClinicIds.Count switch
    {
        0 => $"listed in {IndexClinicId} but has no staff row there or anywhere else, so no report or reminder includes them",
        1 when IndexClinicId is null => $"in {StaffClinicIds[0]} but missing from the clinic lookup, so they cannot be found by employee id",
        1 => $"in {StaffClinicIds[0]} but the clinic lookup says {IndexClinicId}",
        _ => $"in {StaffClinicIds.Count} clinics at once ({string.Join(", ", StaffClinicIds)}); the clinic lookup says {IndexClinicId ?? "none"}",
    };
}

/// <summary>What <see cref="IStaffStore.RepairAsync"/> did for one person.</summary>
/// <param name="KeptClinicId">The clinic the person is in now, or null when they had no staff row to keep.</param>
/// <param name="RemovedFromClinicIds">Clinics whose copy of the person was removed.</param>
public sealed record RosterRepair(string EmployeeId, string? KeptClinicId, IReadOnlyList<string> RemovedFromClinicIds);
