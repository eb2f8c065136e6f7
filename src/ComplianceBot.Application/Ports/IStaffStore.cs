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
    /// </summary>
    Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default);
}
