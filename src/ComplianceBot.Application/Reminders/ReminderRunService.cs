using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Application.Reminders;

/// <summary>Which timer job a run belongs to.</summary>
public enum RunJob
{
    /// <summary>Personal reminders and manager escalations.</summary>
    DailyReminders,

    /// <summary>The managers' weekly digest.</summary>
    WeeklyDigest,
}

/// <summary>One clinic's run, as the one-line log summary reports it.</summary>
/// <param name="Sent">Messages this run sent (the provider accepted them).</param>
/// <param name="Skipped">
/// Messages due in this run that were not sent because the ledger already had them: sent, in flight,
/// unknown or given up on by an earlier run, or claimed by a concurrent one. A second run of the same
/// hour reports here what the first one sent.
/// </param>
/// <param name="Failed">Messages the provider refused for good, or that used up their attempts.</param>
/// <param name="Unknown">
/// Messages that may or may not have gone out: the provider's answer was lost, or the run sending them
/// stopped (crash, kill) after writing "Sending" and its lease ran out. Never resent automatically.
/// </param>
/// <param name="Completed">True when nothing is left for a later run of the same day (the watermark advanced).</param>
/// <param name="Waiting">
/// Messages claimed by another run that has not settled them yet (still pending or sending). The day is not
/// complete while any is waiting: a later run sees them settled, or takes over a claim whose lease ran out.
/// </param>
/// <param name="DatesToCorrect">
/// Where the clinic's data holds placeholder dates (employee id, credential, field), read as absent so the run
/// went on; the summary names them so that whoever reads the log can have HR correct them.
/// </param>
/// <param name="SupersededBy">
/// Set when a queued run was for a day already over in the clinic (or a past week's digest): it did nothing, and
/// the run of this local date (or week) covers it, catching up from the watermark.
/// </param>
public sealed record ClinicRunSummary(
    string ClinicId,
    DateOnly LocalDate,
    RunJob Job,
    int Sent,
    int Skipped,
    int Failed,
    int Unknown,
    int Retryable,
    bool Completed,
    string? Error = null,
    int Waiting = 0,
    IReadOnlyList<string>? DatesToCorrect = null,
    DateOnly? SupersededBy = null)
{
    /// <summary>How many places <see cref="ToString"/> names before it only counts the rest.</summary>
    public const int DatesToCorrectNamed = 10;

    public override string ToString() =>
        $"clinic={ClinicId} date={LocalDate:yyyy-MM-dd} job={Job} sent={Sent} skipped={Skipped} failed={Failed} unknown={Unknown} retry-later={Retryable} waiting={Waiting} completed={Completed}"
        + (DatesToCorrect is not { Count: > 0 } dates ? string.Empty : $" dates-to-correct={dates.Count} [{string.Join("; ", dates.Take(DatesToCorrectNamed))}{(dates.Count > DatesToCorrectNamed ? $"; {dates.Count - DatesToCorrectNamed} more" : string.Empty)}]")
        + (SupersededBy is { } by ? $" superseded-by={by:yyyy-MM-dd}" : string.Empty)
        + (Error is null ? string.Empty : $" error=\"{Error}\"");
}

/// <summary>
/// Runs the timers' work for clinics: plan, claim every ledger key, send, record the outcome, and
/// advance the clinic's watermark once nothing is left for a later run. Safe to run twice for the
/// same hour, concurrently or one after the other: the ledger's insert-only claims decide who sends.
/// </summary>
public sealed class ReminderRunService(
    IClinicStore clinics,
    IStaffStore staff,
    ICredentialRecordStore records,
    IRetrainingEventStore retrainingEvents,
    IReminderLedger ledger,
    IRunWatermarkStore watermarks,
    IDeliveryEventStore deliveryEvents,
    IEmailComposer composer,
    IEmailSender sender,
    IAuditLog audit,
    IQueuedRuns queuedRuns,
    ReminderPlanner planner,
    TimeProvider time,
    ISubmissionStore? submissions = null,
    Microsoft.Extensions.Options.IOptions<Renewals.RenewalOptions>? renewal = null)
{
    private ReminderSettings Settings => planner.Settings;

    /// <summary>The local date and hour of a clinic at an instant, in its IANA zone (DST handled by the zone rules).</summary>
    public static DateTime LocalTime(Clinic clinic, DateTimeOffset utcNow)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(clinic.TimeZoneId);
        return TimeZoneInfo.ConvertTime(utcNow, zone).DateTime;
    }

    /// <summary>
    /// Whether a clinic is inside its send window at <paramref name="utcNow"/>: a business day, at or
    /// after its send hour and before the window closes.
    /// </summary>
    public bool IsInSendWindow(Clinic clinic, DateTimeOffset utcNow, out DateOnly localDate)
    {
        var local = LocalTime(clinic, utcNow);
        localDate = DateOnly.FromDateTime(local);
        return clinic.IsBusinessDay(localDate)
            && local.Hour >= clinic.SendHour
            && local.Hour < clinic.SendHour + Settings.SendWindowHours;
    }

    /// <summary>
    /// The runs of <paramref name="job"/> due now: one per clinic inside its send window, for its local date. This
    /// is all a timer decides; the runs themselves go on the clinic-run queue.
    /// </summary>
    public async Task<IReadOnlyList<ClinicRunMessage>> DueRunsAsync(RunJob job, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var all = await clinics.ListAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<ClinicRunMessage>();
        foreach (var clinic in all)
        {
            if (IsInSendWindow(clinic, now, out var date)) due.Add(new ClinicRunMessage(clinic.Id, job, date));
        }

        return due;
    }

    /// <summary>
    /// Runs <paramref name="job"/> inline, in this process, for every clinic inside its send window now, at most
    /// <c>Reminders:ClinicConcurrency</c> at once; one failing clinic does not stop the others. What one timer
    /// invocation did before the queue; the queue benchmark times it beside the fan-out.
    /// </summary>
    public async Task<IReadOnlyList<ClinicRunSummary>> RunDueClinicsAsync(RunJob job, CancellationToken cancellationToken = default)
    {
        var due = await DueRunsAsync(job, cancellationToken).ConfigureAwait(false);
        var results = new ClinicRunSummary[due.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, due.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Settings.ClinicConcurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var run = due[i];
                try
                {
                    results[i] = await RunAsync(run, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    results[i] = new ClinicRunSummary(run.ClinicId, run.LocalDate, job, 0, 0, 0, 0, 0, false, ex.Message);
                }
            }).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Runs one queued clinic run. A clinic that no longer exists is an error (the run cannot be done, and a message
    /// that cannot be done must end on the poison queue, visibly, rather than vanish).
    /// </summary>
    public async Task<ClinicRunSummary> RunAsync(ClinicRunMessage run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var clinic = await clinics.GetAsync(run.ClinicId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Clinic '{run.ClinicId}' does not exist (removed after its {run.Job} run for {run.LocalDate:yyyy-MM-dd} was queued?).");

        // A run for a day that is over in the clinic (put back from the poison queue days later, a backlog past
        // midnight) is not done late: its reminders would count days from that day, beside today's own. Today's run
        // catches up from the watermark instead; a past week's digest is replaced by this week's.
        var today = DateOnly.FromDateTime(LocalTime(clinic, time.GetUtcNow()));
        if (IsOver(run.Job, run.LocalDate, today)) return new ClinicRunSummary(clinic.Id, run.LocalDate, run.Job, 0, 0, 0, 0, 0, Completed: true, SupersededBy: today);
        return await RunClinicAsync(clinic, run.LocalDate, run.Job, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a run for <paramref name="localDate"/> would send now, computed by the same planner.</summary>
    public async Task<ReminderPlan?> PreviewAsync(string clinicId, DateOnly localDate, CancellationToken cancellationToken = default)
    {
        var clinic = await clinics.GetAsync(clinicId, cancellationToken).ConfigureAwait(false);
        if (clinic is null) return null;
        var watermark = await watermarks.GetAsync(clinic.Id, nameof(RunJob.DailyReminders), cancellationToken).ConfigureAwait(false);
        var input = await LoadAsync(clinic, localDate, watermark, includeDelivery: true, cancellationToken).ConfigureAwait(false);
        return planner.Plan(input);
    }

    /// <summary>Plans and sends one clinic's <paramref name="job"/> for one local date.</summary>
    public async Task<ClinicRunSummary> RunClinicAsync(Clinic clinic, DateOnly localDate, RunJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        var jobName = job.ToString();
        var watermark = await watermarks.GetAsync(clinic.Id, jobName, cancellationToken).ConfigureAwait(false);
        if (watermark is { } done && AlreadyCompleted(job, done, localDate))
        {
            // Nothing is planned again, but what was sent for this day is reported as skipped.
            var entries = await ledger.ListAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
            var skipped = CountAlreadySent(job, clinic.Id, localDate, DoneKeys(entries));
            return new ClinicRunSummary(clinic.Id, localDate, job, 0, skipped, 0, 0, 0, Completed: true);
        }

        var tally = new Tally();
        var (givenUp, abandoned) = await SettleLeftoversAsync(clinic, job, cancellationToken).ConfigureAwait(false);
        tally.Add(failed: givenUp.Count(ReminderPlanner.IsMessageKey), unknown: abandoned); // messages, not their ledger lines
        var input = await LoadAsync(clinic, localDate, job == RunJob.DailyReminders ? watermark : null, job == RunJob.WeeklyDigest, cancellationToken).ConfigureAwait(false);
        var plan = planner.Plan(input);

        // The planner left out what the ledger already holds; count it once (not again if it was given up on just now).
        tally.Add(skipped: CountAlreadySent(job, clinic.Id, localDate, input.DoneKeys.Where(k => !givenUp.Contains(k))));
        var runId = $"run-{Guid.NewGuid():N}";

        var sends = new List<Func<CancellationToken, Task>>();
        if (job == RunJob.DailyReminders)
        {
            foreach (var reminder in plan.Reminders)
            {
                var gate = ReminderPlanner.PersonDayKey(clinic.Id, reminder.Recipient.EmployeeId, localDate);
                sends.Add(ct => SendItemsAsync(gate, reminder.Items, runId, tally, reminder.Recipient.EmployeeId, (kept, op, c) => composer.ComposeReminderAsync(reminder with { Items = kept }, op, c), ct));
            }

            foreach (var escalation in plan.Escalations)
            {
                var gate = ReminderPlanner.EscalationDayKey(clinic.Id, localDate);
                sends.Add(ct => SendItemsAsync(gate, escalation.Items, runId, tally, "managers", (kept, op, c) => composer.ComposeEscalationAsync(escalation with { Items = kept }, op, c), ct));
            }
        }
        else if (plan.Digest is { } planned)
        {
            // Runs of this clinic that failed every attempt and were set aside: the managers hear of them here.
            var setAside = await queuedRuns.ListSetAsideAsync(cancellationToken).ConfigureAwait(false);
            var digest = planned with { SetAsideRuns = setAside.Of(clinic.Id).Select(r => r.ToString()).ToList() };
            sends.Add(ct => SendItemsAsync(digest.Key, [], runId, tally, "managers", (_, op, c) => composer.ComposeDigestAsync(digest, op, c), ct));
        }

        await Parallel.ForEachAsync(
            sends,
            new ParallelOptions { MaxDegreeOfParallelism = Settings.SendConcurrency, CancellationToken = cancellationToken },
            async (send, ct) => await send(ct).ConfigureAwait(false)).ConfigureAwait(false);

        // Claims of other runs still in flight are not "done": until they are sent, failed or visibly unknown,
        // the day stays open (ADR 0003: lost only visibly), and a claim whose lease runs out is taken over.
        var waiting = await InFlightElsewhereAsync(clinic.Id, job, runId, cancellationToken).ConfigureAwait(false);
        // A waiting message was counted as skipped (the planner left it out, or its claim failed): it is waiting instead.
        var skippedWhileWaiting = waiting.Count(k =>
            tally.SkippedGates.Contains(k)
            || (input.DoneKeys.Contains(k) && !givenUp.Contains(k) && CountAlreadySent(job, clinic.Id, localDate, [k]) == 1));
        tally.Add(skipped: -skippedWhileWaiting);
        var completed = tally.Retryable == 0 && waiting.Count == 0;
        if (completed)
        {
            await watermarks.AdvanceAsync(clinic.Id, jobName, localDate, cancellationToken).ConfigureAwait(false);
        }

        return new ClinicRunSummary(clinic.Id, localDate, job, tally.Sent, tally.Skipped, tally.Failed, tally.Unknown, tally.Retryable, completed, Waiting: waiting.Count,
            DatesToCorrect: plan.DatesToCorrect.Select(d => d.Where).ToList());
    }

    /// <summary>
    /// Makes what earlier runs left behind visible before planning (ADR 0003), for this job's messages:
    /// Retryable entries that used up their attempts become Failed (instead of staying "Retryable" for ever
    /// while the watermark moves on); "Sending" entries whose lease ran out (their run stopped between writing
    /// "Sending" and recording the provider's answer: a crash, a kill, storage gone) become Unknown: the message
    /// may or may not have gone out, so it is never resent, and it is reported. Returns the given-up keys and
    /// the number of abandoned messages.
    /// </summary>
    private async Task<(HashSet<string> GivenUp, int Abandoned)> SettleLeftoversAsync(Clinic clinic, RunJob job, CancellationToken cancellationToken)
    {
        var entries = await ledger.ListAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        var exhausted = entries.Where(e => e.State == LedgerState.Retryable && e.Attempts >= Settings.MaxSendAttempts).ToList();
        foreach (var e in exhausted)
        {
            await ledger.UpdateAsync([e.Key], e.RunId, LedgerState.Failed, null, $"gave up after {e.Attempts} attempts: {e.Detail}", cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var abandoned = entries
            .Where(e => e.State == LedgerState.Sending && now - e.UpdatedAt >= Settings.ClaimLease && BelongsTo(job, e.Key.Value))
            .ToList();

        // A run killed while writing "Sending" (gate first, then the items) can leave some of the message's items
        // Pending: they go with their message's gate, or they would stay Pending for ever (the gate is done).
        var gates = abandoned.Where(e => ReminderPlanner.IsMessageKey(e.Key.Value)).ToList();
        abandoned.AddRange(entries.Where(e =>
            e.State == LedgerState.Pending
            && now - e.UpdatedAt >= Settings.ClaimLease
            && gates.Any(g => string.Equals(g.RunId, e.RunId, StringComparison.Ordinal) && IsItemOf(g.Key.Value, e.Key.Value))));
        foreach (var run in abandoned.GroupBy(e => e.RunId, StringComparer.Ordinal))
        {
            await ledger.UpdateAsync(
                run.Select(e => e.Key).ToList(),
                run.Key,
                LedgerState.Unknown,
                null,
                $"the run sending it stopped before recording the provider's answer (last update {run.Max(e => e.UpdatedAt):u}); it may or may not have been delivered, so it is not resent",
                cancellationToken).ConfigureAwait(false);
        }

        return (exhausted.Select(e => e.Key.Value).ToHashSet(StringComparer.Ordinal), abandoned.Count(e => ReminderPlanner.IsMessageKey(e.Key.Value)));
    }

    /// <summary>
    /// This job's message keys that another run has claimed and not settled (pending or sending) while its lease
    /// runs. A pending claim past its lease was open to this run: if the planner still wanted it, this run took it
    /// over; if not, nothing was sent under it and nothing waits on it.
    /// </summary>
    private async Task<HashSet<string>> InFlightElsewhereAsync(string clinicId, RunJob job, string runId, CancellationToken cancellationToken)
    {
        var entries = await ledger.ListAsync(clinicId, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return entries
            .Where(e => e.State is LedgerState.Pending or LedgerState.Sending
                && now - e.UpdatedAt < Settings.ClaimLease
                && !string.Equals(e.RunId, runId, StringComparison.Ordinal)
                && ReminderPlanner.IsMessageKey(e.Key.Value)
                && BelongsTo(job, e.Key.Value))
            .Select(e => e.Key.Value)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Whether <paramref name="item"/> is an item key of the message whose gate is <paramref name="gate"/>: a
    /// person's reminder (P|employee|day) holds that person's R| and RM| keys, the managers' escalation
    /// (X|day) the E| and EM| keys. A run sends one message per person and one escalation per clinic a day.
    /// </summary>
    private static bool IsItemOf(string gate, string item)
    {
        if (gate.StartsWith("P|", StringComparison.Ordinal))
        {
            var employee = gate.Split('|')[1];
            return item.StartsWith($"R|{employee}|", StringComparison.Ordinal) || item.StartsWith($"RM|{employee}|", StringComparison.Ordinal);
        }

        return gate.StartsWith("X|", StringComparison.Ordinal)
            && (item.StartsWith("E|", StringComparison.Ordinal) || item.StartsWith("EM|", StringComparison.Ordinal));
    }

    /// <summary>Whether a ledger key is one of <paramref name="job"/>'s (the digest's keys are D|, the daily run's the rest).</summary>
    private static bool BelongsTo(RunJob job, string key) =>
        key.StartsWith("D|", StringComparison.Ordinal) == (job == RunJob.WeeklyDigest);

    private static int CountAlreadySent(RunJob job, string clinicId, DateOnly localDate, IEnumerable<string> doneKeys) =>
        job == RunJob.DailyReminders
            ? ReminderPlanner.CountAlreadySent(clinicId, localDate, doneKeys, MessageKind.PersonalReminder, MessageKind.Escalation)
            : ReminderPlanner.CountAlreadySent(clinicId, localDate, doneKeys, MessageKind.WeeklyDigest);

    private static bool IsOver(RunJob job, DateOnly localDate, DateOnly today) =>
        localDate < today
        && (job == RunJob.DailyReminders || ReminderPlanner.DigestKey(string.Empty, localDate) != ReminderPlanner.DigestKey(string.Empty, today));

    private static bool AlreadyCompleted(RunJob job, DateOnly watermark, DateOnly localDate) =>
        job == RunJob.DailyReminders
            ? watermark >= localDate
            : ReminderPlanner.DigestKey(string.Empty, watermark) == ReminderPlanner.DigestKey(string.Empty, localDate);

    private async Task<PlanningInput> LoadAsync(Clinic clinic, DateOnly localDate, DateOnly? watermark, bool includeDelivery, CancellationToken cancellationToken)
    {
        var people = await staff.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        var held = await records.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        var events = await retrainingEvents.ListAsync(cancellationToken).ConfigureAwait(false);
        var entries = await ledger.ListAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, DeliveryEvent>? delivery = null;
        if (includeDelivery)
        {
            var latest = await deliveryEvents.LatestByAddressAsync(people.Select(p => p.Email), cancellationToken).ConfigureAwait(false);
            delivery = latest.ToDictionary(kv => kv.Key.ToUpperInvariant(), kv => kv.Value, StringComparer.Ordinal);
        }

        // A run for a date the watermark already covers looks back one day, so preview shows that day.
        var lastCompleted = watermark is { } w && w >= localDate ? localDate.AddDays(-1) : watermark;
        var awaiting = await AwaitingVerificationAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        return new PlanningInput(clinic, people, held, events, localDate, lastCompleted, DoneKeys(entries), delivery, awaiting);
    }

    /// <summary>Self-service submissions still pending and inside <see cref="Renewals.RenewalOptions.PendingPause"/>: their items' reminders pause.</summary>
    private async Task<IReadOnlyCollection<PendingVerification>> AwaitingVerificationAsync(string clinicId, CancellationToken cancellationToken)
    {
        var pause = renewal?.Value.PendingPause ?? TimeSpan.Zero;
        if (submissions is null || pause <= TimeSpan.Zero) return [];
        var since = time.GetUtcNow() - pause;
        return (await submissions.ListByClinicAsync(clinicId, cancellationToken).ConfigureAwait(false))
            .Where(s => s.State == SubmissionState.Pending && s.SubmittedAt > since)
            .Select(s => new PendingVerification(s.EmployeeId, s.CredentialCode))
            .ToList();
    }

    /// <summary>Keys the planner must skip: sent, in flight, ambiguous, given up on, or claimed by a live run.</summary>
    private HashSet<string> DoneKeys(IEnumerable<LedgerEntry> entries)
    {
        var now = time.GetUtcNow();
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var open = e.State switch
            {
                LedgerState.Retryable => e.Attempts < Settings.MaxSendAttempts,
                LedgerState.Pending => now - e.UpdatedAt >= Settings.ClaimLease,
                _ => false,
            };
            if (!open) done.Add(e.Key.Value);
        }

        return done;
    }

    private delegate Task<OutgoingEmail> Compose(IReadOnlyList<PlannedItem> keptItems, string operationId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the message's gate key and every item key, sends what this run owns, and records the
    /// outcome. Once "Sending" is written, the POST and the outcome are not cancelled: an interrupted
    /// send would be ambiguous, and ambiguous sends are never repeated automatically.
    /// </summary>
    private async Task SendItemsAsync(LedgerKey gate, IReadOnlyList<PlannedItem> items, string runId, Tally tally, string target, Compose compose, CancellationToken cancellationToken)
    {
        var lease = Settings.ClaimLease;
        var max = Settings.MaxSendAttempts;
        if (await ledger.TryClaimAsync(gate, runId, lease, max, cancellationToken).ConfigureAwait(false) != ClaimResult.Claimed)
        {
            tally.Skip(gate.Value);
            return;
        }

        var claimed = new List<LedgerKey> { gate };
        var sending = false;
        try
        {
            var kept = new List<PlannedItem>();
            foreach (var item in items)
            {
                var owned = false;
                foreach (var key in item.AllKeys)
                {
                    if (await ledger.TryClaimAsync(key, runId, lease, max, cancellationToken).ConfigureAwait(false) == ClaimResult.Claimed)
                    {
                        claimed.Add(key);
                        owned |= key == item.Key;
                    }
                }

                if (owned) kept.Add(item);
            }

            if (items.Count > 0 && kept.Count == 0)
            {
                // Every item belongs to another run, which sends them in its own message.
                await ledger.UpdateAsync(claimed, runId, LedgerState.Sent, null, "nothing left: items claimed by another run", CancellationToken.None).ConfigureAwait(false);
                tally.Add(skipped: 1);
                return;
            }

            var operationId = $"op-{Guid.NewGuid():N}";
            var email = await compose(kept, operationId, cancellationToken).ConfigureAwait(false);
            await ledger.UpdateAsync(claimed, runId, LedgerState.Sending, null, operationId, cancellationToken).ConfigureAwait(false);
            sending = true; // From here on the claims are not released: see the summary above.

            var result = await sender.SendAsync(email, CancellationToken.None).ConfigureAwait(false);
            var state = result.Status switch
            {
                SendStatus.Accepted => LedgerState.Sent,
                SendStatus.Rejected => LedgerState.Failed,
                SendStatus.NotSent => LedgerState.Retryable,
                _ => LedgerState.Unknown,
            };
            await ledger.UpdateAsync(claimed, runId, state, result.MessageId, result.Detail, CancellationToken.None).ConfigureAwait(false);
            await audit.AppendAsync(
                new AuditRecord(time.GetUtcNow(), $"system:{runId}", $"email.{email.Category}", gate.ClinicId, $"{target} {operationId}", state.ToString(), result.Detail),
                CancellationToken.None).ConfigureAwait(false);

            tally.Add(
                sent: state == LedgerState.Sent ? 1 : 0,
                failed: state == LedgerState.Failed ? 1 : 0,
                unknown: state == LedgerState.Unknown ? 1 : 0,
                retryable: state == LedgerState.Retryable ? 1 : 0);
        }
        catch (OperationCanceledException) when (!sending)
        {
            // Cancelled before anything went out: hand the claims back so a rerun sends them at once.
            await ledger.UpdateAsync(claimed, runId, LedgerState.Retryable, null, "run cancelled before sending", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Tally
    {
        private int _sent;
        private int _skipped;
        private int _failed;
        private int _unknown;
        private int _retryable;
        private readonly System.Collections.Concurrent.ConcurrentBag<string> _skippedGates = [];

        /// <summary>Message keys this run did not send because another run held them.</summary>
        public IEnumerable<string> SkippedGates => _skippedGates;

        public void Skip(string gate)
        {
            _skippedGates.Add(gate);
            Add(skipped: 1);
        }

        public int Sent => _sent;

        public int Skipped => _skipped;

        public int Failed => _failed;

        public int Unknown => _unknown;

        public int Retryable => _retryable;

        public void Add(int sent = 0, int skipped = 0, int failed = 0, int unknown = 0, int retryable = 0)
        {
            Interlocked.Add(ref _sent, sent);
            Interlocked.Add(ref _skipped, skipped);
            Interlocked.Add(ref _failed, failed);
            Interlocked.Add(ref _unknown, unknown);
            Interlocked.Add(ref _retryable, retryable);
        }
    }
}
