using System.Net;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.LocalHost;
using ComplianceBot.Testing;

namespace ComplianceBot.Reliability.Tests;

/// <summary>Scenarios 6-8: SendGrid failures, storage faults, cancelled runs.</summary>
[Collection(AppGroup.Name)]
public sealed class FaultTests(AzuriteFixture azurite)
{
    private static readonly DateOnly Today = new(2026, 4, 14);

    private static DateTimeOffset SendHour(DateOnly day) => AppActions.At("America/Chicago", day.ToDateTime(new TimeOnly(8, 0)));

    private static List<(string, DateOnly)> People(int n) => Enumerable.Range(1, n).Select(i => ($"e{i:000}", Today.AddDays(14))).ToList();

    [Fact]
    public async Task OneEmailWhenSendGridAnswers429Then202()
    {
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today));
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", People(1));
        app.SendGrid.Enqueue(FakeSendGridResponse.RateLimited(app.Clock.GetUtcNow().AddSeconds(2)), FakeSendGridResponse.Accepted("msg-after-429"));

        var run = app.FireDailyAsync();
        while (!run.IsCompleted)
        {
            // The client waits for X-RateLimit-Reset on the fake clock: move it on once it waits.
            if (app.Clock.ActiveTimerCount > 0) app.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        Assert.True((await run).Succeeded);
        var requests = app.SendGrid.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ReceivedAt >= requests[0].ReceivedAt.AddSeconds(2), "second attempt before the reset time");
        var sent = (await app.LedgerAsync("clinic-a")).Where(e => e.State == LedgerState.Sent && e.Key.Value.StartsWith("R|", StringComparison.Ordinal)).ToList();
        Assert.Equal("msg-after-429", Assert.Single(sent).MessageId);
    }

    [Fact]
    public async Task AttemptsBoundedAndNothingLostWhenSendGridAnswers500UntilItRecovers()
    {
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today), new Dictionary<string, string?> { ["Reminders:MaxSendAttempts"] = "3" });
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", People(5));
        app.SendGrid.DefaultResponse = FakeSendGridResponse.ServerError();

        // Two hourly runs while SendGrid is down: each finishes, nothing is sent, the day stays open.
        for (var run = 0; run < 2; run++)
        {
            var log = await app.FireDailyOkAsync();
            Assert.Contains("retry-later=5", log, StringComparison.Ordinal);
            app.Clock.Advance(TimeSpan.FromHours(1));
        }

        app.SendGrid.DefaultResponse = FakeSendGridResponse.Accepted();
        await app.FireDailyOkAsync();

        var byRecipient = app.SendGrid.Recipients().GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(5, byRecipient.Count);
        Assert.All(byRecipient.Values, n => Assert.Equal(3, n));
        var items = (await app.LedgerAsync("clinic-a")).Where(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, items.Count);
        Assert.All(items, e => Assert.Equal(LedgerState.Sent, e.State));
    }

    [Fact]
    public async Task AttemptsCappedAndGivingUpVisibleWhenSendGridAnswers500OnEveryCall()
    {
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today), new Dictionary<string, string?> { ["Reminders:MaxSendAttempts"] = "3" });
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", People(5));
        app.SendGrid.DefaultResponse = FakeSendGridResponse.ServerError();

        for (var run = 0; run < 6; run++)
        {
            await app.FireDailyOkAsync();
            app.Clock.Advance(TimeSpan.FromHours(1));
        }

        var perRecipient = app.SendGrid.Recipients().GroupBy(r => r).Select(g => g.Count()).ToList();
        Assert.Equal(5, perRecipient.Count);
        Assert.All(perRecipient, n => Assert.True(n <= 3, $"{n} attempts"));

        // Given up is visible (ADR 0003: Failed once the cap is reached), not a silent Retryable.
        var items = (await app.LedgerAsync("clinic-a")).Where(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, items.Count);
        Assert.All(items, e => Assert.Equal(LedgerState.Failed, e.State));
    }

    [Fact]
    public async Task UnknownAndNeverResentWhenTheConnectionDropsAfterTheRequestWasRead()
    {
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today));
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", People(1));
        app.SendGrid.Enqueue(FakeSendGridResponse.Drop());

        await app.FireDailyAsync();
        for (var hour = 1; hour < 8; hour++)
        {
            app.Clock.Advance(TimeSpan.FromHours(1));
            await app.FireDailyOkAsync();
        }

        Assert.Single(app.SendGrid.Requests);
        var item = Assert.Single(await app.LedgerAsync("clinic-a"), e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal));
        Assert.Equal(LedgerState.Unknown, item.State);
    }

    [Fact]
    public async Task NoDuplicateRowsAndNoFalseFailureWhenStorageAnswers503InBurstsAndLosesWriteResponses()
    {
        var faults = new StorageFaults(seed: 7, burstRate: 0.2, lostWriteRate: 0.1);
        await using var app = await AppFactory.StartAsync(
            azurite,
            SendHour(Today),
            // 30 % of writes fail here (bursts plus lost answers); with 6 retries about 1 write in 4,500 still
            // ran out of attempts, which a run of ~300 writes hit now and then. 10 retries (the most allowed): 1 in 560,000.
            new Dictionary<string, string?> { ["Storage:MaxRetries"] = "10" },
            () => faults);
        await app.PutClinicAsync("clinic-a");
        faults.Enabled = true;
        await app.SeedStaffAsync("clinic-a", People(30));

        var log = await app.FireDailyOkAsync();
        // A queue message whose write answer was lost is queued again, so the clinic may run twice: between them
        // the runs send each of the 30 once (the ledger decides), and the day completes.
        var sent = System.Text.RegularExpressions.Regex.Matches(log, @" sent=(\d+) ").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(sent == 30, log);
        Assert.Contains("completed=True", log, StringComparison.Ordinal);
        await app.FireDailyOkAsync();
        faults.Enabled = false;

        Assert.True(faults.Bursts > 20 && faults.LostResponses > 5, $"faults injected: {faults.Bursts} bursts, {faults.LostResponses} lost responses");
        Assert.Equal(30, app.SendGrid.Requests.Count);
        Assert.Equal(30, app.SendGrid.Recipients().Distinct().Count());
        var staff = await app.Get<IStaffStore>().ListByClinicAsync("clinic-a");
        Assert.Equal(30, staff.Count);
        Assert.Equal(60, (await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-a")).Count); // HIPAA and TB education each
        var items = (await app.LedgerAsync("clinic-a")).Where(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal)).ToList();
        Assert.Equal(30, items.Count);
        Assert.All(items, e => Assert.Equal(LedgerState.Sent, e.State));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task RerunCompletesTheDayWithoutDuplicatesWhenARunIsCancelledAtARandomSend(int seed)
    {
        const int people = 40;
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today), new Dictionary<string, string?> { ["Reminders:SendConcurrency"] = "4" });
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", People(people));
        app.SendGrid.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(20));

        var cancelAt = new Random(seed).Next(1, people - 5);
        using var cts = new CancellationTokenSource();
        await app.Get<TimerRunner>().EnqueueDueAsync(RunJob.DailyReminders, pastDue: false, CancellationToken.None);
        var run = LocalQueueService.DrainAsync(app.Services, cancellationToken: cts.Token);
        while (!run.IsCompleted && app.SendGrid.Requests.Count < cancelAt) await Task.Delay(1);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var firstRun = app.SendGrid.Requests.Count;
        Assert.InRange(firstRun, cancelAt, people - 1);

        // The host's next hourly invocation: claims of the dead run are past their lease by then.
        app.Clock.Advance(TimeSpan.FromHours(1));
        var log = await app.FireDailyOkAsync();
        Assert.Contains("completed=True", log, StringComparison.Ordinal);

        var recipients = app.SendGrid.Recipients();
        var expected = Enumerable.Range(1, people).Select(i => $"e{i:000}@staff.example").Order().ToList();
        Assert.Equal(expected, recipients.Order().ToList());
    }
}

/// <summary>
/// Fault injection in front of Azurite: a share of requests answered 503 without reaching it (bursts),
/// and a share of writes applied and then answered 503 (the response lost on the way back).
/// </summary>
public sealed class StorageFaults : DelegatingHandler
{
    private readonly Random _random;
    private readonly double _burstRate;
    private readonly double _lostWriteRate;
    private readonly Lock _gate = new();

    public StorageFaults(int seed, double burstRate, double lostWriteRate)
    {
        _random = new Random(seed);
        _burstRate = burstRate;
        _lostWriteRate = lostWriteRate;
        InnerHandler = new SocketsHttpHandler();
    }

    public bool Enabled { get; set; }

    public int Bursts { get; private set; }

    public int LostResponses { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        double roll;
        lock (_gate) roll = _random.NextDouble();
        if (Enabled && roll < _burstRate)
        {
            lock (_gate) Bursts++;
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (Enabled && request.Method != HttpMethod.Get && roll < _burstRate + _lostWriteRate && response.IsSuccessStatusCode)
        {
            lock (_gate) LostResponses++;
            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
        }

        return response;
    }
}
