using System.Text.Json.Nodes;
using ComplianceBot.Email.SendGrid;
using ComplianceBot.Testing;

namespace ComplianceBot.Email.Tests;

public sealed class SendGridClientTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 24, 15, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(Start);
    private FakeSendGridServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeSendGridServer.StartAsync(_time);
        _server.ExpectedApiKey = "SG.test-key";
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AcceptedWithMessageIdWhenSendGridAnswers202()
    {
        _server.Enqueue(FakeSendGridResponse.Accepted("abc123"));
        using var client = Client();

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.Accepted, response.Outcome);
        Assert.Equal(202, response.StatusCode);
        Assert.Equal("abc123", response.MessageId);
        var request = Assert.Single(_server.Requests);
        Assert.Empty(request.Violations);
        Assert.Equal("/v3/mail/send", request.Path);
        Assert.Equal("Bearer SG.test-key", request.Authorization);
        Assert.Equal("op-1", request.Json!["personalizations"]![0]!["custom_args"]!["operation_id"]!.GetValue<string>());
        Assert.Equal("text/plain", request.Json["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("text/html", request.Json["content"]![1]!["type"]!.GetValue<string>());
        Assert.Null(request.Json["mail_settings"]);
    }

    [Fact]
    public async Task AcceptedOnceAfterWaitingForResetWhenRateLimited()
    {
        var reset = Start.AddSeconds(20);
        _server.Enqueue(FakeSendGridResponse.RateLimited(reset), FakeSendGridResponse.Accepted("after-reset"));
        using var client = Client();

        var sending = client.SendAsync(Message());
        await _time.WaitForTimersAsync(1);
        Assert.Single(_server.Requests);

        _time.Advance(TimeSpan.FromSeconds(19));
        await Task.Delay(200);
        Assert.False(sending.IsCompleted);
        Assert.Single(_server.Requests);

        _time.Advance(TimeSpan.FromSeconds(1));
        var response = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SendGridOutcome.Accepted, response.Outcome);
        Assert.Equal("after-reset", response.MessageId);
        Assert.Equal(2, response.Attempts);
        Assert.Equal(2, _server.Requests.Count);
        Assert.True(_server.Requests[1].ReceivedAt >= reset);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task NotSentWithoutWaitingWhenResetIsBeyondTheCap()
    {
        _server.Enqueue(FakeSendGridResponse.RateLimited(Start.AddMinutes(5)));
        using var client = Client();

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.NotSent, response.Outcome);
        Assert.Equal(429, response.StatusCode);
        Assert.Single(_server.Requests);
        Assert.Equal(0, _time.ActiveTimerCount);
    }

    [Fact]
    public async Task NotSentAfterBoundedAttemptsWhenSendGridKeepsAnswering429()
    {
        for (var i = 0; i < 10; i++) _server.Enqueue(FakeSendGridResponse.RateLimited(Start.AddSeconds(-1)));
        using var client = Client();

        var sending = client.SendAsync(Message());
        for (var i = 1; i < SendGridClient.MaxRateLimitedAttempts; i++)
        {
            await _time.WaitForTimersAsync(1);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var response = await sending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SendGridOutcome.NotSent, response.Outcome);
        Assert.Equal(SendGridClient.MaxRateLimitedAttempts, _server.Requests.Count);
    }

    [Fact]
    public async Task NotSentAfterExactlyOneRequestWhenSendGridAnswers500()
    {
        _server.Enqueue(FakeSendGridResponse.ServerError(), FakeSendGridResponse.Accepted());
        using var client = Client();

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.NotSent, response.Outcome);
        Assert.Equal(500, response.StatusCode);
        Assert.Contains("internal error", response.Detail, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task RejectedWithSendGridsMessageWhenSendGridAnswers400()
    {
        _server.Enqueue(FakeSendGridResponse.BadRequest("The from address does not match a verified Sender Identity.", "from"));
        using var client = Client();

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.Rejected, response.Outcome);
        Assert.Equal(400, response.StatusCode);
        var error = Assert.Single(response.Errors);
        Assert.Equal("from", error.Field);
        Assert.Contains("verified Sender Identity", response.Detail, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task RejectedWhenTheApiKeyIsRefused()
    {
        using var client = Client(o => o.ApiKey = "SG.wrong");

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.Rejected, response.Outcome);
        Assert.Equal(401, response.StatusCode);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task UnknownAfterOneRequestWhenTheConnectionIsDropped()
    {
        _server.Enqueue(FakeSendGridResponse.Drop(), FakeSendGridResponse.Accepted());
        using var client = Client();

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.Unknown, response.Outcome);
        Assert.Null(response.StatusCode);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task UnknownWhenNoAnswerArrivesWithinTheTimeout()
    {
        _server.Enqueue(FakeSendGridResponse.Accepted(delay: TimeSpan.FromSeconds(5)));
        using var client = Client(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.Unknown, response.Outcome);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task NotSentWhenNothingListensAtTheBaseUrl()
    {
        var closedPort = _server.BaseUrl;
        await _server.DisposeAsync();
        _server = await FakeSendGridServer.StartAsync(_time);
        using var client = new SendGridClient(new SendGridClientOptions { ApiKey = "SG.test-key", BaseUrl = closedPort }, _time);

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.NotSent, response.Outcome);
    }

    [Fact]
    public async Task AcceptedAndMarkedAsSandboxWhenSandboxModeIsOn()
    {
        _server.Enqueue(FakeSendGridResponse.SandboxOk());
        using var client = Client(o => o.SandboxMode = true);

        var response = await client.SendAsync(Message());

        Assert.Equal(SendGridOutcome.Accepted, response.Outcome);
        Assert.Equal(200, response.StatusCode);
        Assert.True(Assert.Single(_server.Requests).Json!["mail_settings"]!["sandbox_mode"]!["enable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task RejectedWithoutARequestWhenTheMessageHasTooManyRecipients()
    {
        using var client = Client();
        var message = Message() with
        {
            Personalizations =
            [
                new SendGridPersonalization { To = Enumerable.Range(0, 1001).Select(i => new SendGridAddress($"user{i}@clinic.test")).ToList() },
            ],
        };

        var response = await client.SendAsync(message);

        Assert.Equal(SendGridOutcome.Rejected, response.Outcome);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task NeverMoreRequestsInFlightThanMaxConcurrencyWhenSendingMany()
    {
        _server.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(100));
        using var client = Client(o => o.MaxConcurrency = 3);

        var responses = await client.SendManyAsync(Enumerable.Range(0, 12).Select(i => Message($"user{i}@clinic.test")));

        Assert.All(responses, r => Assert.Equal(SendGridOutcome.Accepted, r.Outcome));
        Assert.Equal(12, _server.Requests.Count);
        Assert.InRange(_server.MaxConcurrentRequests, 1, 3);
    }

    [Fact]
    public async Task ShapeViolationIsAnswered400AndRecordedWhenThePayloadIsWrong()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "SG.test-key");
        var payload = new JsonObject { ["personalizations"] = new JsonArray() }.ToJsonString();

        using var content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync(new Uri(_server.BaseUrl, "/v3/mail/send"), content);

        Assert.Equal(400, (int)answer.StatusCode);
        Assert.Contains(_server.Violations, v => v.Contains("personalizations", StringComparison.Ordinal));
        Assert.Contains(_server.Violations, v => v.Contains("from.email", StringComparison.Ordinal));
    }

    private SendGridClient Client(Action<SendGridClientOptions>? configure = null)
    {
        var options = new SendGridClientOptions { ApiKey = "SG.test-key", BaseUrl = _server.BaseUrl, MaxRateLimitWait = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        return new SendGridClient(options, _time);
    }

    private static SendGridMessage Message(string to = "maria@clinic.test") => new()
    {
        Personalizations =
        [
            new SendGridPersonalization
            {
                To = [new SendGridAddress(to, "Maria Lopez")],
                CustomArgs = new Dictionary<string, string> { ["operation_id"] = "op-1" },
            },
        ],
        From = new SendGridAddress("reminders@clinic.test", "ComplianceBot"),
        Subject = "BLS expires in 7 days",
        Content = [new SendGridContent("text/plain", "Hello"), new SendGridContent("text/html", "<p>Hello</p>")],
    };
}
