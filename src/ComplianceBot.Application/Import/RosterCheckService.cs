using System.Globalization;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Application.Import;

/// <summary>What a roster check found, and with repair what it did about each person.</summary>
/// <param name="Repaired">Empty unless the check was asked to repair.</param>
public sealed record RosterCheckResult(IReadOnlyList<RosterProblem> Problems, IReadOnlyList<RosterRepair> Repaired);

/// <summary>
/// Finds people stored in more than one clinic, or whose clinic on record does not hold them (left by two uploads
/// racing before imports claimed each person, or by an import stopped part-way), and with repair keeps one copy:
/// the clinic on record's when it holds the person. Each repair is audited under the clinic kept.
/// </summary>
public sealed class RosterCheckService(IStaffStore staff, IAuditLog audit, TimeProvider time)
{
    public async Task<RosterCheckResult> CheckAsync(bool repair, string actor, CancellationToken cancellationToken = default)
    {
        var problems = await staff.FindRosterProblemsAsync(cancellationToken).ConfigureAwait(false);
        if (!repair) return new RosterCheckResult(problems, []);
        var repaired = new List<RosterRepair>();
        foreach (var problem in problems)
        {
            var done = await staff.RepairAsync(problem, cancellationToken).ConfigureAwait(false);
            repaired.Add(done);
            var detail = done.KeptClinicId is null
                ? "no staff row anywhere; stale clinic lookup removed"
                : string.Create(CultureInfo.InvariantCulture, $"kept in {done.KeptClinicId}; removed from {(done.RemovedFromClinicIds.Count == 0 ? "none" : string.Join(",", done.RemovedFromClinicIds))}; was: {problem.Describe()}");
            await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), actor, "roster.repair", done.KeptClinicId ?? AuditRecord.Organization, done.EmployeeId, "ok", detail), cancellationToken).ConfigureAwait(false);
        }

        return new RosterCheckResult(problems, repaired);
    }
}
