using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

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
