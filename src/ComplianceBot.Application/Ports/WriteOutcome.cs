using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>Outcome of writing one row during an import.</summary>
public enum WriteOutcome
{
    Created,
    Updated,
    Unchanged,
}
