using System.Collections.Concurrent;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.LocalHost;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComplianceBot.Functions.Tests.Hosting;

/// <summary>
/// The local host's scheduler over a fake clock and the real timer runner, with in-memory stores and one
/// clinic that is always in its send window: each firing of a job queues exactly one run of that clinic,
/// which is what the tests count.
/// </summary>
public sealed class LocalTimerServiceTests : IAsyncDisposable
{
    // Monday 2 March 2026, 14:00 UTC; the default schedules fire at :05 (DailyReminders) and :10 (WeeklyDigest).
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 14, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(Start);
    private readonly RecordingQueuedRuns _queued;
    private readonly ServiceProvider _services;
    private LocalTimerService? _service;

    public LocalTimerServiceTests()
    {
        _queued = new RecordingQueuedRuns(_clock);
        var ledger = new InMemoryReminderLedger(_clock);
        var clinics = new InMemoryClinicStore();
        var everyDay = Enum.GetValues<DayOfWeek>().ToHashSet();
        clinics.UpsertAsync(new Clinic("utc-clinic", "Always open", "Etc/UTC", "IL", ["boss@example.org"], 0, everyDay)).GetAwaiter().GetResult();
        var settings = new ReminderSettings { SendWindowHours = 24 };
        var runs = new ReminderRunService(
            clinics, new InMemoryStaffStore(), new InMemoryCredentialRecordStore(), new InMemoryRetrainingEventStore(), ledger, new InMemoryWatermarkStore(),
            new InMemoryDeliveryEventStore(), new KeyListingComposer(), new ScriptedEmailSender(), new InMemoryAuditLog(), _queued,
            new ReminderPlanner(new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default), CredentialCatalog.Default, settings),
            _clock);
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(runs)
            .AddSingleton<IQueuedRuns>(_queued)
            .AddSingleton<TimerRunner>()
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            _service.Dispose();
        }

        await _services.DisposeAsync();
    }

    private async Task StartAsync(TimeProvider time, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["DailyRemindersSchedule"] = TimerFunctions.DefaultDailyRemindersSchedule,
            ["WeeklyDigestSchedule"] = TimerFunctions.DefaultWeeklyDigestSchedule,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();

        // The timer functions themselves, through an empty middleware list (the tables are in memory here).
        _service = new LocalTimerService(_services, new LocalFunctionInvoker([]), configuration, time, NullLogger<LocalTimerService>.Instance);
        await _service.StartAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(1);
    }

    /// <summary>Moves the clock and waits until the scheduler is idle again (waiting on its next delay).</summary>
    private async Task AdvanceToAsync(DateTimeOffset at)
    {
        _clock.SetUtcNow(at);
        await _clock.WaitForTimersAsync(1);
    }

    private static DateTimeOffset At(int hour, int minute, int second = 0, int millisecond = 0) =>
        new(2026, 3, 2, hour, minute, second, millisecond, TimeSpan.Zero);

    [Fact]
    public async Task FiresEachTimerOnceAtItsNextOccurrenceWhenTheClockReachesIt()
    {
        await StartAsync(_clock);

        await AdvanceToAsync(At(14, 4, 59));
        Assert.Empty(_queued.Queued);

        await AdvanceToAsync(At(14, 5));
        Assert.Equal([(nameof(RunJob.DailyReminders), At(14, 5))], _queued.Queued);

        await AdvanceToAsync(At(14, 9, 59));
        await AdvanceToAsync(At(14, 10));
        await AdvanceToAsync(At(15, 5));
        await AdvanceToAsync(At(15, 10));

        Assert.Equal(
            [
                (nameof(RunJob.DailyReminders), At(14, 5)),
                (nameof(RunJob.WeeklyDigest), At(14, 10)),
                (nameof(RunJob.DailyReminders), At(15, 5)),
                (nameof(RunJob.WeeklyDigest), At(15, 10)),
            ],
            _queued.Queued);
    }

    [Fact]
    public async Task FiresBothTimersOnceWhenTheirSchedulesShareAnOccurrence()
    {
        await StartAsync(_clock, new Dictionary<string, string?>
        {
            ["DailyRemindersSchedule"] = "0 30 * * * *",
            ["WeeklyDigestSchedule"] = "0 30 * * * *",
        });

        await AdvanceToAsync(At(14, 30));

        Assert.Equal([(nameof(RunJob.DailyReminders), At(14, 30)), (nameof(RunJob.WeeklyDigest), At(14, 30))], _queued.Queued);
    }

    [Fact]
    public async Task FiresOnceAndNotBeforeTheOccurrenceWhenTheDelayEndsEarly()
    {
        await StartAsync(new EarlyWakingTimeProvider(_clock, TimeSpan.FromMilliseconds(20)));

        // The delay towards 14:05:00 ends 20 ms early.
        await AdvanceToAsync(At(14, 4, 59, 985));
        Assert.Empty(_queued.Queued);

        await AdvanceToAsync(At(14, 5));
        await AdvanceToAsync(At(14, 5, 0, 500));

        Assert.Equal([(nameof(RunJob.DailyReminders), At(14, 5))], _queued.Queued);
    }

    /// <summary>The clinic-run queue, recording which job queued a run at what instant.</summary>
    private sealed class RecordingQueuedRuns(TimeProvider clock) : IQueuedRuns
    {
        private readonly ConcurrentQueue<(string Job, DateTimeOffset At)> _queued = new();

        public List<(string Job, DateTimeOffset At)> Queued => _queued.ToList();

        public Task EnqueueAsync(IReadOnlyList<ClinicRunMessage> runs, CancellationToken cancellationToken = default)
        {
            foreach (var run in runs) _queued.Enqueue((run.Job.ToString(), clock.GetUtcNow()));
            return Task.CompletedTask;
        }

        public Task<SetAsideRuns> ListSetAsideAsync(CancellationToken cancellationToken = default) => Task.FromResult(SetAsideRuns.None);

        public Task<RequeuedRuns> RequeueSetAsideAsync(CancellationToken cancellationToken = default) => Task.FromResult(new RequeuedRuns([], []));
    }

    /// <summary>
    /// The manual clock, but a timer longer than <paramref name="early"/> fires that much before it is due,
    /// as a monotonic-clock timer can when the wall clock is slewed.
    /// </summary>
    private sealed class EarlyWakingTimeProvider(ManualTimeProvider inner, TimeSpan early) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime > early ? dueTime - early : dueTime, period);
    }
}
