namespace ComplianceBot.Application.Ports;

/// <summary>Turns a planned message into a rendered email (subject, HTML and plain text).</summary>
public interface IEmailComposer
{
    Task<OutgoingEmail> ComposeReminderAsync(Domain.Planning.PersonalReminder reminder, string operationId, CancellationToken cancellationToken = default);

    Task<OutgoingEmail> ComposeEscalationAsync(Domain.Planning.Escalation escalation, string operationId, CancellationToken cancellationToken = default);

    Task<OutgoingEmail> ComposeDigestAsync(Domain.Planning.WeeklyDigest digest, string operationId, CancellationToken cancellationToken = default);
}
