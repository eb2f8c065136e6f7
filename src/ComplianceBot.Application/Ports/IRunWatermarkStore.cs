using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Application.Ports;

/// <summary>Per-clinic watermark: the last local date whose daily run completed.</summary>
public interface IRunWatermarkStore
{
    Task<DateOnly?> GetAsync(string clinicId, string job, CancellationToken cancellationToken = default);

    /// <summary>Advances the watermark; never moves it backwards.</summary>
    Task AdvanceAsync(string clinicId, string job, DateOnly completedLocalDate, CancellationToken cancellationToken = default);
}
