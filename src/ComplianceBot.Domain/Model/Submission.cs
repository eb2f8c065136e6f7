namespace ComplianceBot.Domain.Model;

/// <summary>Where a self-service submission stands.</summary>
public enum SubmissionState
{
    /// <summary>Waiting for HR or a manager to check it; the item's reminders pause meanwhile.</summary>
    Pending,

    /// <summary>Checked: its record became the current one.</summary>
    Approved,

    /// <summary>Refused with a reason; the person was emailed why, with a fresh link.</summary>
    Rejected,

    /// <summary>The person sent a newer submission for the same item before this one was decided.</summary>
    Superseded,
}

/// <summary>
/// A renewal a staff member sent from their personal link: the dates and number they typed and the certificate
/// file they uploaded. It changes nothing until someone verifies it; approval writes it as the current record.
/// </summary>
/// <param name="Id">Opaque id, unique in the clinic.</param>
/// <param name="EvidenceBlob">Name of the certificate file in the evidence container.</param>
/// <param name="EvidenceContentType">Type decided from the file's bytes: image/jpeg, image/png or application/pdf.</param>
public sealed record Submission(
    string Id,
    string ClinicId,
    string EmployeeId,
    string CredentialCode,
    DateOnly IssuedOn,
    DateOnly? PrintedExpiresOn,
    string? CredentialNumber,
    string EvidenceBlob,
    string EvidenceContentType,
    long EvidenceBytes,
    DateTimeOffset SubmittedAt,
    SubmissionState State = SubmissionState.Pending,
    string? DecidedBy = null,
    DateTimeOffset? DecidedAt = null,
    string? Reason = null)
{
    /// <summary>The record this submission stands for, as its approval writes it: verified, with its certificate file.</summary>
    public CredentialRecord ToApprovedRecord(string verifiedBy, DateTimeOffset verifiedAt) =>
        new(EmployeeId, CredentialCode, IssuedOn, PrintedExpiresOn, CredentialNumber, "self-service", true, null, EvidenceBlob, verifiedBy, verifiedAt);
}
