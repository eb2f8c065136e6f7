using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Ports;

/// <summary>A self-service renewal that was not accepted, as its sender is told.</summary>
/// <param name="CredentialName">The credential as the person knows it, e.g. "BLS Provider (AHA)".</param>
/// <param name="Reason">Why, in the words of whoever checked it.</param>
/// <param name="RenewalLink">A fresh personal link to send it again; null when links are off.</param>
public sealed record RejectionNotice(Clinic Clinic, StaffMember Person, string CredentialName, string Reason, Uri? RenewalLink, DateOnly? RenewalLinkExpires);

/// <summary>Renders the emails of self-service renewal.</summary>
public interface IRenewalNoticeComposer
{
    Task<OutgoingEmail> ComposeRejectionAsync(RejectionNotice notice, string operationId, CancellationToken cancellationToken = default);
}
