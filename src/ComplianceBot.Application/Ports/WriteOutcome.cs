using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Outcome of writing one row during an import.</summary>
public enum WriteOutcome
{
    Created,
    Updated,
    Unchanged,

    /// <summary>
    /// Not written: another write claimed the person for another clinic at the same moment (two uploads racing
    /// for the same employee id). The person stays in the clinic the other write gave them.
    /// </summary>
    Conflict,
}
