using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Services;

/// <summary><see cref="ReminderRunService.RunDueClinicsAsync"/>: clinics run side by side, bounded, and one failing clinic stops no other.</summary>
public class RunDueClinicsTests
{
    // Wednesday 2026-11-18, 14:00 UTC = 08:00 in Chicago, every clinic's send hour.
    private static readonly DateTimeOffset Now = new(2026, 11, 18, 14, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 18);
    private static readonly DateOnly Yesterday = Today.AddDays(-1);

    private sealed class Harness
    {
        public Harness(int clinics, int clinicConcurrency = 4, Func<ICredentialRecordStore, ICredentialRecordStore>? records = null, Func<IRunWatermarkStore, IRunWatermarkStore>? watermarks = null)
        {
            Time = new ManualTimeProvider(Now);
            Ledger = new InMemoryReminderLedger(Time);
            var recordStore = new InMemoryCredentialRecordStore();
            ClinicIds = Enumerable.Range(1, clinics).Select(i => $"c{i}").ToList();
            foreach (var id in ClinicIds)
            {
                Clinics.UpsertAsync(new Clinic(id, id, "America/Chicago", "TX", [$"boss@{id}.example"], 8, Clinic.MondayToFriday)).GetAwaiter().GetResult();
                var staff = Enumerable.Range(1, 2)
                    .Select(i => new StaffMember($"{id}-e{i}", "Ana", $"Lopez{i}", $"e{i}@{id}.example", id, StaffRole.MedicalAssistant, new DateOnly(2020, 1, 6), "TX", null, true))
                    .ToList();
                Staff.UpsertManyAsync(staff).GetAwaiter().GetResult();

                // BLS due in 30 days: each person's 30-day reminder is due today, nothing else is.
                var held = staff.SelectMany(s => new CredentialRecord[]
                {
                    new(s.EmployeeId, "BLS", Today.AddDays(30).AddMonths(-24), Today.AddDays(30), null, "t", true),
                    new(s.EmployeeId, "HIPAA", Today.AddDays(-100), null, null, "t", true),
                    new(s.EmployeeId, "OSHA_BBP", Today.AddDays(-100), null, null, "t", true),
                    new(s.EmployeeId, "OSHA_HAZCOM", Today.AddDays(-100), null, null, "t", true),
                    new(s.EmployeeId, "CMA", Today.AddMonths(-12), null, null, "t", true),
                }).ToList();
                recordStore.UpsertManyAsync(id, held).GetAwaiter().GetResult();
                Watermarks.AdvanceAsync(id, nameof(RunJob.DailyReminders), Yesterday).GetAwaiter().GetResult();
            }

            Service = new ReminderRunService(
                Clinics, Staff, records?.Invoke(recordStore) ?? recordStore, new InMemoryRetrainingEventStore(), Ledger, watermarks?.Invoke(Watermarks) ?? Watermarks,
                new InMemoryDeliveryEventStore(), new KeyListingComposer(), Sender, new InMemoryAuditLog(), new InMemoryQueuedRuns(),
                new ReminderPlanner(new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default), CredentialCatalog.Default, new ReminderSettings { ClinicConcurrency = clinicConcurrency }),
                Time);
        }

        public ManualTimeProvider Time { get; }

        public IReadOnlyList<string> ClinicIds { get; }

        public InMemoryClinicStore Clinics { get; } = new();

        public InMemoryStaffStore Staff { get; } = new();

        public InMemoryReminderLedger Ledger { get; }

        public InMemoryWatermarkStore Watermarks { get; } = new();

        public ScriptedEmailSender Sender { get; } = new();

        public ReminderRunService Service { get; }

        public Task<DateOnly?> WatermarkAsync(string clinicId) => Watermarks.GetAsync(clinicId, nameof(RunJob.DailyReminders));

        public List<string> RemindedAt(string clinicId) =>
            Sender.Accepted.Where(e => e.Category == "reminder" && e.To[0].Address.EndsWith($"@{clinicId}.example", StringComparison.Ordinal)).Select(e => e.To[0].Address).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task AQueuedRunForADayThatIsOverInTheClinicSendsNothingAndTodaysRunCatchesUp()
    {
        // Yesterday's run, set aside and put back on the queue today: its reminders would count days from yesterday.
        var h = new Harness(clinics: 1);

        var late = await h.Service.RunAsync(new ClinicRunMessage("c1", RunJob.DailyReminders, Yesterday));

        Assert.Equal(Today, late.SupersededBy);
        Assert.True(late.Completed);
        Assert.Equal(0, late.Sent);
        Assert.EndsWith("completed=True superseded-by=2026-11-18", late.ToString(), StringComparison.Ordinal);
        Assert.Empty(h.Sender.Accepted);
        Assert.Equal(Yesterday, await h.WatermarkAsync("c1")); // nothing recorded as done for yesterday

        var today = await h.Service.RunAsync(new ClinicRunMessage("c1", RunJob.DailyReminders, Today));

        Assert.Null(today.SupersededBy);
        Assert.Equal(["e1@c1.example", "e2@c1.example"], h.RemindedAt("c1"));
    }

    [Theory]
    [InlineData("2026-11-16", false)] // Monday of this week: the week's digest is still this week's
    [InlineData("2026-11-13", true)] // Friday of last week: replaced by this week's
    public async Task AQueuedDigestIsSupersededOnlyOnceItsWeekIsOver(string date, bool superseded)
    {
        var h = new Harness(clinics: 1);

        var summary = await h.Service.RunAsync(new ClinicRunMessage("c1", RunJob.WeeklyDigest, DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(superseded ? Today : null, summary.SupersededBy);
        Assert.Equal(superseded ? 0 : 1, h.Sender.Accepted.Count(e => e.Category == "digest"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData(" WeeklyDigest")]
    [InlineData("dailyreminders")]
    [InlineData("DailyReminders,WeeklyDigest")]
    public void AQueuedRunNamesItsJobExactly(string job)
    {
        var body = $$"""{"clinicId":"c1","job":"{{job}}","localDate":"2026-11-18"}""";

        var error = Assert.Throws<FormatException>(() => ClinicRunMessage.Parse(body));

        Assert.Equal($"A clinic-run message's job must be DailyReminders or WeeklyDigest, not '{job}'.", error.Message);
        Assert.Null(ClinicRunMessage.TryParse(body));
    }

    /// <summary>The record store of one clinic's partition is unavailable (until <see cref="ClinicId"/> is cleared); the others answer as usual.</summary>
    private sealed class RecordStoreFailingFor(string clinicId, ICredentialRecordStore inner) : ICredentialRecordStore
    {
        public string? ClinicId { get; set; } = clinicId;

        public Task<IReadOnlyList<CredentialRecord>> ListByClinicAsync(string clinic, CancellationToken cancellationToken = default) =>
            clinic == ClinicId ? throw new InvalidOperationException($"Partition '{clinic}' is unavailable.") : inner.ListByClinicAsync(clinic, cancellationToken);

        public Task<IReadOnlyList<CredentialRecord>> ListByStaffAsync(string clinic, string employeeId, CancellationToken cancellationToken = default) =>
            clinic == ClinicId ? throw new InvalidOperationException($"Partition '{clinic}' is unavailable.") : inner.ListByStaffAsync(clinic, employeeId, cancellationToken);

        public Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(string clinic, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default) =>
            inner.UpsertManyAsync(clinic, records, cancellationToken);
    }

    /// <summary>
    /// Holds every clinic's run at its first call (reading the watermark) until the test releases them, and
    /// counts the runs between that call and the watermark's advance: the clinics in flight.
    /// </summary>
    private sealed class GatedWatermarkStore(IRunWatermarkStore inner) : IRunWatermarkStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _maxInFlight;

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public void ReleaseAll() => _released.TrySetResult();

        public async Task<DateOnly?> GetAsync(string clinicId, string job, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            await _released.Task.WaitAsync(cancellationToken);
            return await inner.GetAsync(clinicId, job, cancellationToken);
        }

        public async Task AdvanceAsync(string clinicId, string job, DateOnly completedLocalDate, CancellationToken cancellationToken = default)
        {
            await inner.AdvanceAsync(clinicId, job, completedLocalDate, cancellationToken);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    [Fact]
    public async Task SendsTheOtherClinicsAndHoldsTheFailedClinicsWatermarkWhenOneClinicsStorageFails()
    {
        var h = new Harness(clinics: 4, records: inner => new RecordStoreFailingFor("c3", inner));

        var summaries = await h.Service.RunDueClinicsAsync(RunJob.DailyReminders);

        Assert.Equal(h.ClinicIds, summaries.Select(s => s.ClinicId));
        var failed = Assert.Single(summaries, s => s.Error is not null);
        Assert.Equal("c3", failed.ClinicId);
        Assert.Equal("Partition 'c3' is unavailable.", failed.Error);
        Assert.False(failed.Completed);
        Assert.Equal(Yesterday, await h.WatermarkAsync("c3"));
        Assert.Empty(h.RemindedAt("c3"));
        Assert.DoesNotContain(h.Ledger.Entries, e => e.Key.ClinicId == "c3");

        foreach (var id in new[] { "c1", "c2", "c4" })
        {
            var summary = Assert.Single(summaries, s => s.ClinicId == id);
            Assert.Equal((2, 0, true), (summary.Sent, summary.Failed, summary.Completed));
            Assert.Equal([$"e1@{id}.example", $"e2@{id}.example"], h.RemindedAt(id));
            Assert.Equal(Today, await h.WatermarkAsync(id));
        }
    }

    [Fact]
    public async Task SendsTheFailedClinicOnTheNextHourlyRunWhenItsStorageRecovers()
    {
        RecordStoreFailingFor? store = null;
        var h = new Harness(clinics: 2, records: inner => store = new RecordStoreFailingFor("c2", inner));
        await h.Service.RunDueClinicsAsync(RunJob.DailyReminders);

        store!.ClinicId = null;
        h.Time.Advance(TimeSpan.FromHours(1));
        var next = await h.Service.RunDueClinicsAsync(RunJob.DailyReminders);

        var c1 = Assert.Single(next, s => s.ClinicId == "c1");
        var c2 = Assert.Single(next, s => s.ClinicId == "c2");
        Assert.Equal((0, 2, true), (c1.Sent, c1.Skipped, c1.Completed));
        Assert.Equal((2, 0, true), (c2.Sent, c2.Skipped, c2.Completed));
        Assert.Null(c2.Error);
        Assert.Equal(Today, await h.WatermarkAsync("c2"));
        Assert.Equal(4, h.Sender.Calls);
    }

    [Fact]
    public async Task RunsAtMostClinicConcurrencyClinicsAtOnceWhenMoreAreDue()
    {
        // 3 is not this machine's processor count (2), Parallel.ForEachAsync's default bound.
        GatedWatermarkStore? gate = null;
        var h = new Harness(clinics: 7, clinicConcurrency: 3, watermarks: inner => gate = new GatedWatermarkStore(inner));

        var run = h.Service.RunDueClinicsAsync(RunJob.DailyReminders);
        await WaitUntilAsync(() => gate!.InFlight >= 3, () => $"{gate!.InFlight} clinic(s) in flight, expected 3");
        await Task.Delay(100); // room for a fourth clinic to start, were the bound not applied
        var heldAtOnce = gate!.InFlight;
        gate.ReleaseAll();
        var summaries = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, heldAtOnce);
        Assert.Equal(3, gate.MaxInFlight);
        Assert.Equal(7, summaries.Count);
        Assert.All(summaries, s => Assert.True(s.Completed && s.Sent == 2, s.ToString()));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> describe)
    {
        var limit = Task.Delay(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (limit.IsCompleted) throw new TimeoutException($"Still not so after 10 s: {describe()}.");
            await Task.Delay(10);
        }
    }
}
