using System.Net;
using System.Net.Http.Json;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Storage.Queues;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using NCrontab;

namespace ComplianceBot.Functions.Tests.Hosting;

/// <summary>The timer functions as the worker invokes them, and their schedules.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class TimerFunctionsTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunsBothJobsWhetherOrNotTheHostSaysTheyArePastDue(bool pastDue)
    {
        await _app.Services.GetRequiredService<TablesReady>().EnsureAsync();
        var functions = new TimerFunctions(_app.Services.GetRequiredService<TimerRunner>());
        (await _app.Hr().PutAsJsonAsync("/api/clinics/clinic-a", TestData.Clinic("Clinic A", "America/Chicago", "IL", TestData.ManagerAEmail, 8))).EnsureSuccessStatusCode();
        var timer = new TimerInfo { IsPastDue = pastDue, ScheduleStatus = new ScheduleStatus { Last = new DateTime(2026, 3, 2, 13, 5, 0, DateTimeKind.Utc), Next = new DateTime(2026, 3, 2, 15, 5, 0, DateTimeKind.Utc) } };

        await functions.DailyRemindersAsync(timer, CancellationToken.None);
        await functions.WeeklyDigestAsync(timer, CancellationToken.None);

        // Each queued one run of the clinic at its send hour, and sent nothing itself.
        var queued = await QueuedAsync();
        Assert.Equal(
            [new ClinicRunMessage("clinic-a", RunJob.DailyReminders, new DateOnly(2026, 3, 2)), new ClinicRunMessage("clinic-a", RunJob.WeeklyDigest, new DateOnly(2026, 3, 2))],
            queued.OrderBy(m => m.Job));
        Assert.Empty(_app.OutboxFiles());
    }

    [Fact]
    public async Task LogsOneLinePerJobWithThePastDueFlag()
    {
        await _app.Services.GetRequiredService<TablesReady>().EnsureAsync();
        var header = await _app.Services.GetRequiredService<TimerRunner>().EnqueueDueAsync(RunJob.DailyReminders, pastDue: true, CancellationToken.None);

        Assert.Equal("DailyReminders: 0 clinic(s) due, past due=True", header);
    }

    /// <summary>The messages on the app's clinic-run queue, read (and taken off) as the queue function would get them.</summary>
    private async Task<List<ClinicRunMessage>> QueuedAsync()
    {
        var queue = _app.Services.GetRequiredService<StorageQueuedRuns>().Queue;
        var messages = (await queue.ReceiveMessagesAsync(32)).Value;
        return messages.Select(m => ClinicRunMessage.Parse(QueueText.Read(m.Body))).ToList();
    }

    [Fact]
    public void SchedulesAreAppSettingsWhoseDefaultsAreHourlyInUtc()
    {
        Assert.Equal(
            [(TimerFunctions.DailyReminders, "%DailyRemindersSchedule%"), (TimerFunctions.WeeklyDigest, "%WeeklyDigestSchedule%")],
            FunctionDeclarations.Timers.Select(t => (t.Name, t.Schedule)).OrderBy(t => t.Name, StringComparer.Ordinal));
        foreach (var schedule in new[] { TimerFunctions.DefaultDailyRemindersSchedule, TimerFunctions.DefaultWeeklyDigestSchedule })
        {
            var cron = CrontabSchedule.Parse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
            var from = new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);
            Assert.Equal(24, cron.GetNextOccurrences(from, from.AddDays(1)).Count());
        }
    }

    [Fact]
    public void RefusesToStartATimerWhoseScheduleSettingIsMissing()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var error = Assert.Throws<InvalidOperationException>(() => FunctionDeclarations.Timers[0].ScheduleIn(configuration));
        Assert.Contains(FunctionDeclarations.Timers[0].ScheduleSetting!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FiresThroughTheMiddlewareWhichCreatesTheTablesFirst()
    {
        var run = await _app.FireAsync(TimerFunctions.WeeklyDigest);

        Assert.True(run.Succeeded, run.Error?.ToString());
        Assert.Equal("WeeklyDigest: 0 clinic(s) due, past due=False", Assert.Single(run.Logs));
    }

    [Fact]
    public async Task AnswersTheReadinessProbe()
    {
        using var host = _app.Anonymous();
        var response = await host.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
