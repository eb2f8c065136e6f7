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
