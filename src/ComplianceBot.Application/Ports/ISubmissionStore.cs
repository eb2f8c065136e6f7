using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Self-service submissions, one clinic at a time.</summary>
public interface ISubmissionStore
{
    Task AddAsync(Submission submission, CancellationToken cancellationToken = default);

    /// <summary>The submission with its row version, or null.</summary>
    Task<Versioned<Submission>?> GetAsync(string clinicId, string id, CancellationToken cancellationToken = default);

    /// <summary>Every submission of one clinic, newest first.</summary>
    Task<IReadOnlyList<Submission>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the submission if its row is still at <paramref name="version"/>; false when someone changed it first
    /// (two managers deciding at once: one wins, the other is told).
    /// </summary>
    Task<bool> TryReplaceAsync(Submission submission, string version, CancellationToken cancellationToken = default);
}
