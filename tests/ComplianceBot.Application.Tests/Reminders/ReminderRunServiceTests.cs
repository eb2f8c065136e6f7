using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Services;

public class ReminderRunServiceTests
{
    // Wednesday 2026-11-18, 14:00 UTC = 08:00 in Chicago.
    private static readonly DateTimeOffset Now = new(2026, 11, 18, 14, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 18);
    private static readonly Clinic Clinic = new("austin", "Riverside", "America/Chicago", "TX", ["boss@riverside.example"], 8, Clinic.MondayToFriday);

    private sealed class Harness
    {
        public Harness(int staffCount, int blsDueInDays = 30)
        {
            Time = new ManualTimeProvider(Now);
            Ledger = new InMemoryReminderLedger(Time);
            Clinics.UpsertAsync(Clinic).GetAwaiter().GetResult();
            var staff = Enumerable.Range(1, staffCount)
                .Select(i => new StaffMember($"E{i:000}", "Ana", $"Lopez{i}", $"e{i}@riverside.example", Clinic.Id, StaffRole.MedicalAssistant, new DateOnly(2020, 1, 6), "TX", null, true))
                .ToList();
            Staff.UpsertManyAsync(staff).GetAwaiter().GetResult();
            var records = staff.SelectMany(s => new CredentialRecord[]
            {
                new(s.EmployeeId, "BLS", Today.AddDays(blsDueInDays).AddMonths(-24), Today.AddDays(blsDueInDays), null, "t", true),
                new(s.EmployeeId, "HIPAA", Today.AddDays(-100), null, null, "t", true),
                new(s.EmployeeId, "OSHA_BBP", Today.AddDays(-100), null, null, "t", true),
                new(s.EmployeeId, "OSHA_HAZCOM", Today.AddDays(-100), null, null, "t", true),
                new(s.EmployeeId, "CMA", Today.AddMonths(-12), null, null, "t", true),
            }).ToList();
            Records.UpsertManyAsync(Clinic.Id, records).GetAwaiter().GetResult();
            Watermarks.AdvanceAsync(Clinic.Id, nameof(RunJob.DailyReminders), Today.AddDays(-1)).GetAwaiter().GetResult();
            Service = new ReminderRunService(
                Clinics, Staff, Records, new InMemoryRetrainingEventStore(), Ledger, Watermarks, new InMemoryDeliveryEventStore(),
                new KeyListingComposer(), Sender, Audit, Queued,
                new ReminderPlanner(new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default), CredentialCatalog.Default, new ReminderSettings()),
                Time);
        }

        public ManualTimeProvider Time { get; }

        public InMemoryClinicStore Clinics { get; } = new();

        public InMemoryStaffStore Staff { get; } = new();

        public InMemoryCredentialRecordStore Records { get; } = new();

        public InMemoryReminderLedger Ledger { get; }

        public InMemoryWatermarkStore Watermarks { get; } = new();

        public InMemoryAuditLog Audit { get; } = new();

        public InMemoryQueuedRuns Queued { get; } = new();

        public ScriptedEmailSender Sender { get; } = new();

        public ReminderRunService Service { get; }

        public Task<ClinicRunSummary> RunAsync(CancellationToken ct = default) => Service.RunClinicAsync(Clinic, Today, RunJob.DailyReminders, ct);

        public int SentItemKeys => Ledger.Entries.Count(e => e.State == LedgerState.Sent && e.Key.Value.StartsWith("R|", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendsEachReminderExactlyOnceWhenTwoRunsRaceForTheSameHour()
    {
        var h = new Harness(staffCount: 50);

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => h.RunAsync())));

        Assert.Equal(50, h.Sender.Accepted.Count(e => e.Category == "reminder"));
        Assert.Equal(50, h.Sender.Accepted.Where(e => e.Category == "reminder").Select(e => e.To[0].Address).Distinct().Count());
        Assert.Equal(50, h.SentItemKeys);
        Assert.Equal(50, results.Sum(r => r.Sent));

        // Each run accounts for every message once: sent by itself, skipped as the other's (settled), or
        // waiting on the other (still in flight when it looked); a run that saw one waiting is not complete.
        Assert.All(results, r => Assert.Equal(50, r.Sent + r.Skipped + r.Waiting));
        Assert.All(results, r => Assert.Equal(r.Waiting == 0, r.Completed));
        var after = await h.RunAsync();
        Assert.Equal((0, 50, 0, true), (after.Sent, after.Skipped, after.Waiting, after.Completed));
    }

    [Fact]
    public async Task SendsTheClinicAndNamesEachPlaceholderDateInTheRunSummaryByEmployeeId()
    {
        var h = new Harness(staffCount: 3);
        // Stored before imports refused placeholders: E002's hire date and BLS card say "none" the HR-export way.
        var e2 = await h.Staff.GetAsync("E002");
        await h.Staff.UpsertManyAsync([e2! with { HireDate = new DateOnly(9999, 12, 31) }]);
        await h.Records.UpsertManyAsync(Clinic.Id, [new CredentialRecord("E002", "BLS", new DateOnly(1, 1, 1), new DateOnly(1, 1, 1), null, "t", true)]);

        var summary = await h.RunAsync();

        // Everyone's reminder went out, and the managers' escalation for E002's BLS, read as missing.
        Assert.Equal((4, true), (summary.Sent, summary.Completed));
        Assert.Equal(3, h.Sender.Accepted.Count(e => e.Category == "reminder"));
        Assert.Equal(["E002 hire_date", "E002 BLS issued_on", "E002 BLS expires_on"], summary.DatesToCorrect);
        Assert.EndsWith("completed=True dates-to-correct=3 [E002 hire_date; E002 BLS issued_on; E002 BLS expires_on]", summary.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NamesTenPlacesWithPlaceholderDatesInTheSummaryLineAndCountsTheRest()
    {
        var places = Enumerable.Range(1, 12).Select(i => $"E{i:000} hire_date").ToList();
        var summary = new ClinicRunSummary(Clinic.Id, Today, RunJob.DailyReminders, 0, 0, 0, 0, 0, true, DatesToCorrect: places);

        Assert.EndsWith("dates-to-correct=12 [E001 hire_date; E002 hire_date; E003 hire_date; E004 hire_date; E005 hire_date; E006 hire_date; E007 hire_date; E008 hire_date; E009 hire_date; E010 hire_date; 2 more]", summary.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("dates-to-correct", (summary with { DatesToCorrect = [] }).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoesNotCompleteTheDayWhileAnotherRunsClaimIsInFlightAndTakesItOverAfterTheLease()
    {
        var h = new Harness(staffCount: 3);
        var gate = ReminderPlanner.PersonDayKey(Clinic.Id, "E002", Today);
        Assert.Equal(ClaimResult.Claimed, await h.Ledger.TryClaimAsync(gate, "run-killed", TimeSpan.FromMinutes(10), 3));

        var during = await h.RunAsync();

        Assert.Equal((2, 0, 1, false), (during.Sent, during.Skipped, during.Waiting, during.Completed));
        Assert.Equal(Today.AddDays(-1), await h.Watermarks.GetAsync(Clinic.Id, nameof(RunJob.DailyReminders)));
        Assert.Contains("waiting=1 completed=False", during.ToString(), StringComparison.Ordinal);

        h.Time.Advance(TimeSpan.FromMinutes(11));
        var after = await h.RunAsync();

        Assert.Equal((1, 2, 0, true), (after.Sent, after.Skipped, after.Waiting, after.Completed));
        Assert.Equal(3, h.Sender.Accepted.Where(e => e.Category == "reminder").Select(e => e.To[0].Address).Distinct().Count());
        Assert.Equal(3, h.Sender.Accepted.Count(e => e.Category == "reminder"));
        Assert.Equal(Today, await h.Watermarks.GetAsync(Clinic.Id, nameof(RunJob.DailyReminders)));
    }

    [Fact]
    public async Task ReportsAMessageWhoseRunDiedWhileSendingAsUnknownAndNeverResendsIt()
    {
        var h = new Harness(staffCount: 2);
        var gate = ReminderPlanner.PersonDayKey(Clinic.Id, "E001", Today);
        var item = new LedgerKey(Clinic.Id, $"R|E001|BLS|{Today.AddDays(30):yyyy-MM-dd}|30");
        await h.Ledger.TryClaimAsync(gate, "run-killed", TimeSpan.FromMinutes(10), 3);
        await h.Ledger.TryClaimAsync(item, "run-killed", TimeSpan.FromMinutes(10), 3);

        // Killed while writing "Sending": the gate has it, the item not yet.
        await h.Ledger.UpdateAsync([gate], "run-killed", LedgerState.Sending, null, "op-1");

        var during = await h.RunAsync();
        Assert.Equal((1, 1, false), (during.Sent, during.Waiting, during.Completed));

        h.Time.Advance(TimeSpan.FromMinutes(11));
        var after = await h.RunAsync();

        Assert.Equal((0, 1, 0, true), (after.Sent, after.Unknown, after.Waiting, after.Completed));
        Assert.Equal(LedgerState.Unknown, Assert.Single(h.Ledger.Entries, e => e.Key == gate).State);
        Assert.Equal(LedgerState.Unknown, Assert.Single(h.Ledger.Entries, e => e.Key == item).State);
        Assert.DoesNotContain(h.Ledger.Entries, e => e.State is LedgerState.Pending or LedgerState.Sending);
        Assert.Contains("may or may not have been delivered", Assert.Single(h.Ledger.Entries, e => e.Key == gate).Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Sender.Accepted, e => e.To[0].Address == "e1@riverside.example");
    }

    [Fact]
    public async Task CountsWhatTheFirstRunSentAsSkippedWhenTheSameDayRunsAgain()
    {
        var h = new Harness(staffCount: 5);

        var first = await h.RunAsync();
        var second = await h.RunAsync();
        h.Time.Advance(TimeSpan.FromHours(1));
        var third = await h.RunAsync();

        Assert.Equal((5, 0, 0), (first.Sent, first.Skipped, first.Failed));
        Assert.Equal((0, 5, 0), (second.Sent, second.Skipped, second.Failed));
        Assert.Equal((0, 5, 0), (third.Sent, third.Skipped, third.Failed));
        Assert.True(second.Completed);
    }

    [Fact]
    public async Task CountsTheMessagesSentEarlierAsSkippedWhenARunRetriesWhatWasLeft()
    {
        var h = new Harness(staffCount: 4);
        h.Sender.Enqueue(SendStatus.NotSent);

        var first = await h.RunAsync();
        var second = await h.RunAsync();

        Assert.Equal((3, 0, 1), (first.Sent, first.Skipped, first.Retryable));
        Assert.False(first.Completed);
        Assert.Equal((1, 3, 0), (second.Sent, second.Skipped, second.Retryable));
        Assert.True(second.Completed);
        Assert.Equal(5, h.Sender.Calls);
    }

    [Fact]
    public async Task CountsAMessageOnceAsFailedAndNotAsSkippedWhenTheRunGivesUpOnIt()
    {
        var h = new Harness(staffCount: 1);
        h.Sender.Enqueue(SendStatus.NotSent, SendStatus.NotSent, SendStatus.NotSent);
        await h.RunAsync();
        await h.RunAsync();
        await h.RunAsync();

        var givingUp = await h.RunAsync();
        var after = await h.RunAsync();

        Assert.Equal((0, 0, 1), (givingUp.Sent, givingUp.Skipped, givingUp.Failed));
        Assert.Equal((0, 1, 0), (after.Sent, after.Skipped, after.Failed));
    }

    [Fact]
    public async Task SendsNothingWhenTheSameRunIsReplayedAfterItCompleted()
    {
        var h = new Harness(staffCount: 5);
        await h.RunAsync();
        var calls = h.Sender.Calls;

        var replay = await h.RunAsync();

        Assert.Equal(calls, h.Sender.Calls);
        Assert.Equal(0, replay.Sent);
        Assert.Equal(Today, await h.Watermarks.GetAsync(Clinic.Id, nameof(RunJob.DailyReminders)));
    }

    [Fact]
    public async Task RetriesAMessageTheProviderRefusedTransientlyOnTheNextRunUpToTheCap()
    {
        var h = new Harness(staffCount: 1);
        h.Sender.Enqueue(SendStatus.NotSent, SendStatus.NotSent, SendStatus.NotSent, SendStatus.NotSent);

        var first = await h.RunAsync();
        Assert.Equal(1, first.Retryable);
        Assert.False(first.Completed);
        Assert.Equal(Today.AddDays(-1), await h.Watermarks.GetAsync(Clinic.Id, nameof(RunJob.DailyReminders)));

        await h.RunAsync();
        await h.RunAsync();
        var fourth = await h.RunAsync();

        // Three attempts in all (MaxSendAttempts), then the run gives up on it and completes.
        Assert.Equal(3, h.Sender.Calls);
        Assert.True(fourth.Completed);
        Assert.Empty(h.Sender.Accepted);
    }

    [Fact]
    public async Task SendsWhatWasMissedWhenTheProviderRecovers()
    {
        var h = new Harness(staffCount: 3);
        h.Sender.Enqueue(SendStatus.NotSent, SendStatus.NotSent, SendStatus.NotSent);

        await h.RunAsync();
        Assert.Empty(h.Sender.Accepted);

        var second = await h.RunAsync();
        Assert.Equal(3, h.Sender.Accepted.Count);
        Assert.True(second.Completed);
    }

    [Fact]
    public async Task NeverResendsAMessageWhoseOutcomeIsUnknown()
    {
        var h = new Harness(staffCount: 1);
        h.Sender.Enqueue(SendStatus.Unknown);

        var first = await h.RunAsync();
        h.Time.Advance(TimeSpan.FromHours(2));
        await h.RunAsync();

        Assert.Equal(1, first.Unknown);
        Assert.Equal(1, h.Sender.Calls);
        Assert.Contains(h.Ledger.Entries, e => e.State == LedgerState.Unknown);
    }

    [Fact]
    public async Task SendsTheOthersWhenOneMessageIsRejected()
    {
        var h = new Harness(staffCount: 4);
        h.Sender.Enqueue(SendStatus.Rejected);

        var summary = await h.RunAsync();

        Assert.Equal(1, summary.Failed);
        Assert.Equal(3, summary.Sent);
        Assert.True(summary.Completed);
    }

    [Fact]
    public async Task CompletesTheDayWithoutDuplicatesWhenARunIsCancelledPartWay()
    {
        var h = new Harness(staffCount: 20);
        using var cts = new CancellationTokenSource();
        var seen = 0;
        h.Sender.BeforeSend = _ =>
        {
            if (Interlocked.Increment(ref seen) == 7) cts.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(cts.Token));
        h.Sender.BeforeSend = null;
        var rerun = await h.RunAsync();

        var reminders = h.Sender.Accepted.Where(e => e.Category == "reminder").ToList();
        Assert.Equal(20, reminders.Count);
        Assert.Equal(20, reminders.Select(e => e.To[0].Address).Distinct().Count());
        Assert.True(rerun.Completed);
    }

    [Fact]
    public async Task WritesOneAuditRecordPerMessage()
    {
        var h = new Harness(staffCount: 3);

        await h.RunAsync();

        Assert.Equal(h.Sender.Calls, h.Audit.Records.Count);
        Assert.All(h.Audit.Records, r => Assert.Equal(Clinic.Id, r.ClinicId));
    }

    [Theory]
    [InlineData("2026-03-06T14:00:00Z", true)]  // Friday before DST: 08:00 CST
    [InlineData("2026-03-09T13:00:00Z", true)]  // Monday after DST: 08:00 CDT
    [InlineData("2026-03-09T12:00:00Z", false)] // 07:00 CDT: before the send hour
    [InlineData("2026-03-07T14:00:00Z", false)] // Saturday
    [InlineData("2026-03-09T21:00:00Z", false)] // 16:00 CDT: after the 8-hour window
    public void FindsTheClinicsSendHourInItsOwnZoneAcrossDst(string utc, bool expected)
    {
        var h = new Harness(staffCount: 0);

        var inWindow = h.Service.IsInSendWindow(Clinic, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), out _);

        Assert.Equal(expected, inWindow);
    }
}
