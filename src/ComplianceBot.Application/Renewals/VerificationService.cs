using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Application.Renewals;

/// <summary>A pending submission as the verification queue shows it: what was sent, and the dates it would give.</summary>
/// <param name="Status">The requirement's status if the submission were approved: its due date (printed wins), the computed date, and the "check this date" flag.</param>
public sealed record QueueEntry(Submission Submission, StaffMember Person, CredentialType Credential, RequirementStatus? Status);

/// <summary>How a decision on a submission went.</summary>
public enum DecisionOutcome
{
    Done,
    NotFound,

    /// <summary>Someone decided it first (or the person sent a newer one): nothing changed.</summary>
    AlreadyDecided,
}

/// <summary>
/// The managers' side of self-service renewal: the queue of a clinic's pending submissions, approval (the record
/// becomes the current one, verified, with its certificate file; the new due date starts a new reminder series),
/// and rejection with a reason (the person is emailed why, with a fresh link). Each decision is audited.
/// </summary>
public sealed class VerificationService(
    IStaffStore staff,
    ICredentialRecordStore records,
    IRetrainingEventStore retrainingEvents,
    ISubmissionStore submissions,
    CredentialCatalog catalog,
    ReminderPlanner planner,
    IRenewalNoticeComposer composer,
    IEmailSender sender,
    RenewalTokens tokens,
    IAuditLog audit,
    TimeProvider time)
{
    /// <summary>Longest rejection reason kept (it goes into an email).</summary>
    public const int MaxReasonLength = 500;

    /// <summary>The clinic's pending submissions, oldest first (the order to work through them).</summary>
    public async Task<IReadOnlyList<QueueEntry>> PendingAsync(Clinic clinic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        var pending = (await submissions.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false))
            .Where(s => s.State == SubmissionState.Pending)
            .OrderBy(s => s.SubmittedAt)
            .ToList();
        if (pending.Count == 0) return [];

        var people = (await staff.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.EmployeeId, StringComparer.Ordinal);
        var held = await records.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        var events = await retrainingEvents.ListAsync(cancellationToken).ConfigureAwait(false);
        var asOf = DateOnly.FromDateTime(ReminderRunService.LocalTime(clinic, time.GetUtcNow()));
        var entries = new List<QueueEntry>();
        foreach (var submission in pending)
        {
            if (!people.TryGetValue(submission.EmployeeId, out var person) || !catalog.TryResolve(submission.CredentialCode, out var type)) continue;
            var proposed = submission.ToApprovedRecord("(not yet)", submission.SubmittedAt);
            var theirs = held.Where(r => r.EmployeeId == person.EmployeeId && r.CredentialCode != type.Code).Append(proposed).ToList();
            var input = new PlanningInput(clinic, [person], theirs, events, asOf, null, new HashSet<string>());
            var status = planner.Evaluate(input, [person])[0].Requirements.FirstOrDefault(r => r.Record == proposed);
            entries.Add(new QueueEntry(submission, person, type, status));
        }

        return entries;
    }

    /// <summary>Approves a pending submission: it becomes the person's current record (verified, with its file).</summary>
    public async Task<DecisionOutcome> ApproveAsync(Clinic clinic, string submissionId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        var found = await submissions.GetAsync(clinic.Id, submissionId, cancellationToken).ConfigureAwait(false);
        if (found is null) return DecisionOutcome.NotFound;
        if (found.Value.State != SubmissionState.Pending) return DecisionOutcome.AlreadyDecided;

        var now = time.GetUtcNow();
        var decided = found.Value with { State = SubmissionState.Approved, DecidedBy = actor, DecidedAt = now };
        if (!await submissions.TryReplaceAsync(decided, found.Version, cancellationToken).ConfigureAwait(false)) return DecisionOutcome.AlreadyDecided;

        // The decision is recorded first, so two approvals cannot both write; the record follows at once.
        await records.UpsertManyAsync(clinic.Id, [decided.ToApprovedRecord(actor, now)], CancellationToken.None).ConfigureAwait(false);
        await audit.AppendAsync(new AuditRecord(now, actor, "renewal.approve", clinic.Id, $"{decided.EmployeeId}/{decided.CredentialCode}", "approved", $"submission {decided.Id}"), CancellationToken.None).ConfigureAwait(false);
        return DecisionOutcome.Done;
    }

    /// <summary>Rejects a pending submission with a reason and emails the person why, with a fresh link.</summary>
    public async Task<DecisionOutcome> RejectAsync(Clinic clinic, string submissionId, string actor, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        var found = await submissions.GetAsync(clinic.Id, submissionId, cancellationToken).ConfigureAwait(false);
        if (found is null) return DecisionOutcome.NotFound;
        if (found.Value.State != SubmissionState.Pending) return DecisionOutcome.AlreadyDecided;

        var now = time.GetUtcNow();
        var decided = found.Value with { State = SubmissionState.Rejected, DecidedBy = actor, DecidedAt = now, Reason = reason };
        if (!await submissions.TryReplaceAsync(decided, found.Version, cancellationToken).ConfigureAwait(false)) return DecisionOutcome.AlreadyDecided;

        var emailed = "no email: the person is not on the roster any more";
        if (await staff.GetAsync(decided.EmployeeId, CancellationToken.None).ConfigureAwait(false) is { Active: true } person && person.ClinicId == clinic.Id)
        {
            var name = catalog.TryResolve(decided.CredentialCode, out var type) ? type.Name : decided.CredentialCode;
            var link = tokens.LinkFor(clinic.Id, person.EmployeeId);
            DateOnly? expires = link is null ? null : DateOnly.FromDateTime(ReminderRunService.LocalTime(clinic, link.ExpiresAt));
            var operationId = $"op-{Guid.NewGuid():N}";
            var email = await composer.ComposeRejectionAsync(new RejectionNotice(clinic, person, name, reason, link?.Url, expires), operationId, CancellationToken.None).ConfigureAwait(false);
            var sent = await sender.SendAsync(email, CancellationToken.None).ConfigureAwait(false);
            emailed = $"email {operationId}: {sent.Status}";
        }

        await audit.AppendAsync(new AuditRecord(now, actor, "renewal.reject", clinic.Id, $"{decided.EmployeeId}/{decided.CredentialCode}", "rejected", $"submission {decided.Id}; {emailed}"), CancellationToken.None).ConfigureAwait(false);
        return DecisionOutcome.Done;
    }
}
