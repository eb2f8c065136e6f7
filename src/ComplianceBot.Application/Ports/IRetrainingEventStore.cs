using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Organization-level retraining events (new hazard, material policy change).</summary>
public interface IRetrainingEventStore
{
    Task<IReadOnlyList<RetrainingEvent>> ListAsync(CancellationToken cancellationToken = default);

    Task AddAsync(RetrainingEvent retrainingEvent, CancellationToken cancellationToken = default);
}
