using System.Net.Http.Json;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.LocalHost;
using ComplianceBot.Storage.Queues;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Functions.Tests.Hosting;

/// <summary>
/// The fan-out on a real Azurite queue: the timers queue one message per due clinic, the queue function (fed by the
/// local host's listener, by host.json's rules) runs each, a duplicate sends nothing twice, and a clinic whose run
/// keeps failing is retried, set aside on the poison queue and reported, while the others are sent.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ClinicRunQueueTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{
    private static readonly DateOnly Monday = new(2026, 3, 2);

    private FakeSendGridServer _sendGrid = null!;
    private ComplianceBotApp _app = null!;

    public async Task InitializeAsync()
    {
        _sendGrid = await FakeSendGridServer.StartAsync();
        _app = new ComplianceBotApp(azurite, ComplianceBotApp.SendGridSettings(_sendGrid));
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);

        // Closed on Mondays: never due this morning.
        var closed = new { name = "Clinic C", timeZone = "America/Chicago", state = "IL", managerEmails = new[] { "mgr-c@example.org" }, sendHour = 8, businessDays = new[] { "Tuesday" } };
        (await hr.PutAsJsonAsync("/api/clinics/clinic-c", closed)).EnsureSuccessStatusCode();
    }

    public void Dispose() => _app?.Dispose();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sendGrid.DisposeAsync();
    }

    [Fact]
    public async Task TheTimerQueuesOneMessagePerDueClinicForItsLocalDateAndSendsNothingItself()
    {
        await FireTimerOnlyAsync(TimerFunctions.DailyReminders);

        var messages = (await Queue.ReceiveMessagesAsync(32)).Value;
        Assert.Equal(
            ["{\"clinicId\":\"clinic-a\",\"job\":\"DailyReminders\",\"localDate\":\"2026-03-02\"}", "{\"clinicId\":\"clinic-b\",\"job\":\"DailyReminders\",\"localDate\":\"2026-03-02\"}"],
            messages.Select(m => QueueText.Read(m.Body)).Order(StringComparer.Ordinal));
        Assert.Empty(_sendGrid.Requests);
    }

    [Fact]
    public async Task MessagesAreBase64AsTheFunctionsQueueExtensionReadsThemByDefault()
    {
        await FireTimerOnlyAsync(TimerFunctions.DailyReminders);

        var raw = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, Queue.Name); // no decoding
        var first = (await raw.ReceiveMessagesAsync(1)).Value[0].Body.ToString();
        Assert.StartsWith("{\"clinicId\":", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(first)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendsNothingTwiceWhenTwoTimerRunsQueueEveryClinicTwiceAndTwoListenersRaceForThem()
    {
        await FireTimerOnlyAsync(TimerFunctions.DailyReminders);
        await FireTimerOnlyAsync(TimerFunctions.DailyReminders);
        Assert.Equal(4, (await Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var tallies = await LocalQueueService.DrainAsync(_app.Services, consumers: 2);

        Assert.Equal(4, tallies.Sum(t => t.Succeeded));
        Assert.Empty(tallies.SelectMany(t => t.Failures));
        var recipients = Recipients();
        Assert.NotEmpty(recipients);
        Assert.Equal(recipients.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), recipients.Order(StringComparer.Ordinal));
        Assert.Empty(_sendGrid.Violations);
    }

    [Fact]
    public async Task SendsNothingTwiceWhenTheSameMessageIsDeliveredAgainAfterItsRunFinished()
    {
        var run = new ClinicRunMessage(TestData.ClinicA, RunJob.DailyReminders, Monday);
        var runs = _app.Services.GetRequiredService<IQueuedRuns>();
        await runs.EnqueueAsync([run]);
        await _app.DrainQueueAsync();
        var first = Recipients();

        await runs.EnqueueAsync([run]);
        Assert.Empty(await _app.DrainQueueAsync());

        Assert.Contains("a1@example.org", first);
        Assert.Equal(first, Recipients());
    }

    [Fact]
    public async Task RetriesAClinicWhoseDataBreaksItsRunSetsItAsideAndSendsTheOthers()
    {
        await BreakStaffRowAsync("b1@example.org", "Astronaut");

        var run = await _app.FireAsync(TimerFunctions.DailyReminders);

        // clinic-b failed each of host.json's 5 attempts and went to the poison queue; clinic-a was sent.
        Assert.False(run.Succeeded);
        Assert.Equal(5, Assert.IsType<AggregateException>(run.Error).InnerExceptions.Count);
        Assert.Equal(5, run.Logs.Count(l => l.StartsWith("clinic=clinic-b job=DailyReminders date=2026-03-02 error=", StringComparison.Ordinal)));
        Assert.Contains(run.Logs, l => l.StartsWith("clinic=clinic-a date=2026-03-02 job=DailyReminders", StringComparison.Ordinal) && l.Contains("completed=True", StringComparison.Ordinal));
        Assert.Contains("a1@example.org", Recipients());
        Assert.DoesNotContain(Recipients(), r => r.StartsWith('b') || r == TestData.ManagerBEmail);
        Assert.Equal(0, (await Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var setAside = await _app.Services.GetRequiredService<IQueuedRuns>().ListSetAsideAsync();
        Assert.Equal(1, setAside.Count);
        Assert.Equal(new ClinicRunMessage(TestData.ClinicB, RunJob.DailyReminders, Monday), Assert.Single(setAside.Oldest).Run);
    }

    [Fact]
    public async Task ARunPutBackOnTheQueueAfterItsDataIsRepairedSendsItsClinicsRemindersOnce()
    {
        await BreakStaffRowAsync("b1@example.org", "Astronaut");
        Assert.False((await _app.FireAsync(TimerFunctions.DailyReminders)).Succeeded);
        await BreakStaffRowAsync("b1@example.org", "FrontDesk"); // the cause is fixed
        var queued = _app.Services.GetRequiredService<IQueuedRuns>();
        var before = Recipients().Count;

        var requeued = await queued.RequeueSetAsideAsync();
        var failures = await _app.DrainQueueAsync();

        Assert.Equal(new ClinicRunMessage(TestData.ClinicB, RunJob.DailyReminders, Monday), Assert.Single(requeued.Requeued).Run);
        Assert.Empty(requeued.LeftUnreadable);
        Assert.Empty(failures);
        Assert.Equal(0, (await queued.ListSetAsideAsync()).Count);
        var sentNow = Recipients().Skip(before).ToList();
        Assert.NotEmpty(sentNow);
        Assert.All(sentNow, r => Assert.True(r.StartsWith('b') || r == TestData.ManagerBEmail, r)); // clinic-a's run was not repeated
        Assert.Equal(sentNow.Count, sentNow.Distinct(StringComparer.Ordinal).Count());

        // Put back again (as if the pass had stopped before deleting it): the run does nothing the second time.
        await queued.EnqueueAsync([new ClinicRunMessage(TestData.ClinicB, RunJob.DailyReminders, Monday)]);
        Assert.Empty(await _app.DrainQueueAsync());
        Assert.Equal(before + sentNow.Count, Recipients().Count);
    }

    [Fact]
    public async Task TheWeeklyDigestOfTheClinicTellsItsManagersOfTheRunThatWasSetAside()
    {
        await BreakStaffRowAsync("b1@example.org", "Astronaut");
        Assert.False((await _app.FireAsync(TimerFunctions.DailyReminders)).Succeeded);
        await BreakStaffRowAsync("b1@example.org", "FrontDesk"); // the data is repaired; the set-aside run stays reported

        (await _app.FireAsync(TimerFunctions.WeeklyDigest)).EnsureSucceeded();

        var digests = _sendGrid.Requests.Where(r => r.Json?["categories"]?[0]?.GetValue<string>() == "digest").ToDictionary(r => To(r), r => Text(r));
        Assert.Contains("Runs that failed and were set aside", digests[TestData.ManagerBEmail], StringComparison.Ordinal);
        Assert.Contains("clinic=clinic-b job=DailyReminders date=2026-03-02 queued=", digests[TestData.ManagerBEmail], StringComparison.Ordinal);
        Assert.DoesNotContain("set aside", digests[TestData.ManagerAEmail], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetsAsideAMessageThatIsNotAClinicRunAfterItsAttemptsAndNamesTheProblem()
    {
        await _app.Services.GetRequiredService<StorageQueuedRuns>().EnsureCreatedAsync();
        await Queue.SendMessageAsync(QueueText.Encode("{\"clinicId\":\"clinic-a\",\"job\":\"Monthly\",\"localDate\":\"2026-03-02\"}"));

        var failures = await _app.DrainQueueAsync();

        Assert.Equal(5, failures.Count);
        Assert.All(failures, f => Assert.Equal("A clinic-run message's job must be DailyReminders or WeeklyDigest, not 'Monthly'.", f.Message));
        var setAside = await _app.Services.GetRequiredService<IQueuedRuns>().ListSetAsideAsync();
        Assert.Null(Assert.Single(setAside.Oldest).Run);
        Assert.StartsWith("unreadable message '{\"clinicId\":\"clinic-a\",\"job\":\"Monthly\"", setAside.Oldest[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetsAsideAMessageThatIsNotBase64AtOnceRunsTheOthersAndStillReportsIt()
    {
        // Plain text, as `az storage message put` writes it: the host cannot decode it and sets it aside unchanged.
        var queued = _app.Services.GetRequiredService<StorageQueuedRuns>();
        await queued.EnsureCreatedAsync();
        await Queue.SendMessageAsync("{\"clinicId\":\"clinic-a\",\"job\":\"DailyReminders\",\"localDate\":\"2026-03-02\"}");
        await Queue.SendMessageAsync(QueueText.Encode(new ClinicRunMessage(TestData.ClinicB, RunJob.DailyReminders, Monday).ToJson()));

        var failures = await _app.DrainQueueAsync();

        // Set aside on its first delivery, unrun; the run beside it in the same batch ran.
        Assert.Equal("Message", Assert.Single(failures).Message[..7]);
        Assert.DoesNotContain(Recipients(), r => r.StartsWith('a'));
        Assert.Contains(Recipients(), r => r.StartsWith('b') || r == TestData.ManagerBEmail);
        var raw = (await queued.Poison.PeekMessagesAsync(32)).Value.Single().Body.ToString();
        Assert.StartsWith("{\"clinicId\":\"clinic-a\"", raw, StringComparison.Ordinal); // unchanged, as the host leaves it

        // Listed with its body: the listing (and with it the weekly digest) does not fail on it.
        var setAside = await queued.ListSetAsideAsync();
        Assert.Equal(raw, Assert.Single(setAside.Oldest).Body);
        Assert.Equal(new ClinicRunMessage(TestData.ClinicA, RunJob.DailyReminders, Monday), setAside.Oldest[0].Run); // `runs --requeue` would put it back, base64
        (await _app.FireAsync(TimerFunctions.WeeklyDigest)).EnsureSucceeded();
    }

    private Azure.Storage.Queues.QueueClient Queue => _app.Services.GetRequiredService<StorageQueuedRuns>().Queue;

    private Task FireTimerOnlyAsync(string timer) =>
        _app.Services.GetRequiredService<LocalFunctionInvoker>().FireTimerAsync(timer, _app.Services, CancellationToken.None);

    private List<string> Recipients() => _sendGrid.Requests.Select(To).ToList();

    private static string To(FakeSendGridRequest request) => request.Json!["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>();

    private static string Text(FakeSendGridRequest request) =>
        request.Json!["content"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "text/plain")!["value"]!.GetValue<string>();

    /// <summary>Writes a role straight into a person's stored row, as a bad migration or a hand edit could.</summary>
    private async Task BreakStaffRowAsync(string email, string role)
    {
        var staff = _app.Services.GetRequiredService<StorageTables>().Staff;
        await foreach (var row in staff.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Email eq {email}")))
        {
            row["Role"] = role;
            await staff.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge);
            return;
        }

        throw new InvalidOperationException($"No staff row with email {email}.");
    }
}
