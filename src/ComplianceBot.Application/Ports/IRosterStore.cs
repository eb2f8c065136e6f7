using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Clinics of the organization.</summary>
public interface IClinicStore
{
    /// <summary>The clinic, or null when there is none with that id.</summary>
    Task<Clinic?> GetAsync(string clinicId, CancellationToken cancellationToken = default);

    /// <summary>Every clinic, ordered by id.</summary>
    Task<IReadOnlyList<Clinic>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces the clinic. Returns true when it was created.</summary>
    Task<bool> UpsertAsync(Clinic clinic, CancellationToken cancellationToken = default);

    /// <summary>The clinic with its version (an HTTP ETag), or null when there is none with that id.</summary>
    Task<Versioned<Clinic>?> GetVersionedAsync(string clinicId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces the clinic when the stored row satisfies <paramref name="precondition"/>. The check
    /// and the write are one atomic step: a concurrent writer makes the precondition be checked again.
    /// </summary>
    Task<ConditionalWrite> PutAsync(Clinic clinic, WritePrecondition precondition, CancellationToken cancellationToken = default);
}

/// <summary>Outcome of writing one row during an import.</summary>
public enum WriteOutcome
{
    Created,
    Updated,
    Unchanged,
}

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

/// <summary>Latest credential records, read one clinic or one person at a time.</summary>
public interface ICredentialRecordStore
{
    /// <summary>Every record of every staff member of one clinic.</summary>
    Task<IReadOnlyList<CredentialRecord>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default);

    /// <summary>Every record of one person.</summary>
    Task<IReadOnlyList<CredentialRecord>> ListByStaffAsync(string clinicId, string employeeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes records for staff of one clinic, in entity-group batches of at most 100. Equal rows are
    /// not rewritten (<see cref="WriteOutcome.Unchanged"/>). A record is keyed by (employee, credential code).
    /// </summary>
    Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(string clinicId, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default);

    /// <summary>
    /// The same write, for a caller that expects most rows to be new (a first upload): the store may
    /// insert without reading first and compare only when it meets a row that exists. The outcomes are
    /// those of <see cref="UpsertManyAsync"/>; only the cost differs.
    /// </summary>
    Task<IReadOnlyList<WriteOutcome>> UpsertManyExpectingNewAsync(string clinicId, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default) =>
        UpsertManyAsync(clinicId, records, cancellationToken);
}

/// <summary>Organization-level retraining events (new hazard, material policy change).</summary>
public interface IRetrainingEventStore
{
    Task<IReadOnlyList<RetrainingEvent>> ListAsync(CancellationToken cancellationToken = default);

    Task AddAsync(RetrainingEvent retrainingEvent, CancellationToken cancellationToken = default);
}
