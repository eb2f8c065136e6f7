using System.Collections.Concurrent;
using System.Text;
using ComplianceBot.Application.Ports;
using ComplianceBot.Email.SendGrid;
using ComplianceBot.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComplianceBot.Email.Tests;

/// <summary>
/// The sender as <c>AddEmailServices</c> wires it (the SendGrid SDK on a factory HttpClient) over real
/// HTTP against <see cref="FakeSendGridServer"/> on loopback, which checks every payload's shape and
/// counts every POST.
/// </summary>
public sealed class SendGridEmailSenderTests : IAsyncLifetime
{
    private const string ApiKey = "SG.test-key";
    private const string Injection = "\r\nBcc: x@evil.test";
    private static readonly DateTimeOffset Start = new(2026, 3, 24, 15, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(Start);
    private readonly List<ServiceProvider> _providers = [];
    private FakeSendGridServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeSendGridServer.StartAsync(_time);
        _server.ExpectedApiKey = ApiKey;
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers) await provider.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task AcceptedWithTheMessageIdAndTheDocumentedPayloadWhenSendGridTakesIt()
    {
        _server.Enqueue(FakeSendGridResponse.Accepted("sg-1"));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Accepted, result.Status);
        Assert.Equal("sg-1", result.MessageId);
        var request = Assert.Single(_server.Requests);
        Assert.Empty(request.Violations);
        Assert.Equal("/v3/mail/send", request.Path);
        Assert.Equal("Bearer " + ApiKey, request.Authorization);
        var json = request.Json!;
        Assert.Equal("reminders@clinic.test", json["from"]!["email"]!.GetValue<string>());
        Assert.Equal("ComplianceBot", json["from"]!["name"]!.GetValue<string>());
        Assert.Equal("manager@clinic.test", json["reply_to"]!["email"]!.GetValue<string>());
        Assert.Equal("maria@clinic.test", json["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("BLS expires in 7 days", json["subject"]!.GetValue<string>());
        Assert.Equal("reminder", Assert.Single(json["categories"]!.AsArray())!.GetValue<string>());
        Assert.Equal("text/plain", json["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("Hello", json["content"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("text/html", json["content"]![1]!["type"]!.GetValue<string>());
        Assert.Equal("<p>Hello</p>", json["content"]![1]!["value"]!.GetValue<string>());
        Assert.Null(json["mail_settings"]);
        Assert.Null(json["attachments"]);
    }

    [Fact]
    public async Task OnlyTheOperationIdTravelsInCustomArgs()
    {
        await Sender().SendAsync(TestData.Email());

        var json = Assert.Single(_server.Requests).Json!;
        var arg = Assert.Single(json["personalizations"]![0]!["custom_args"]!.AsObject());
        Assert.Equal("operation_id", arg.Key);
        Assert.Equal("op-123", arg.Value!.GetValue<string>());
        Assert.Null(json["custom_args"]);
    }

    [Fact]
    public async Task NoLineBreaksAndOneRecipientWhenNamesAndSubjectCarryHeaderInjection()
    {
        var email = TestData.Email(toName: "Eve" + Injection, subject: "Hello" + Injection) with
        {
            ReplyTo = new EmailAddress("manager@clinic.test", "Pat" + Injection),
        };

        var result = await Sender(("Email:FromName", "Bot" + Injection)).SendAsync(email);

        Assert.Equal(SendStatus.Accepted, result.Status);
        var request = Assert.Single(_server.Requests);
        Assert.Empty(request.Violations);
        var json = request.Json!;
        var to = json["personalizations"]![0]!["to"]!.AsArray();
        Assert.Single(to);
        Assert.Null(json["personalizations"]![0]!["bcc"]);
        foreach (var value in new[] { json["subject"], to[0]!["name"], json["reply_to"]!["name"], json["from"]!["name"] })
        {
            var text = value!.GetValue<string>();
            Assert.DoesNotContain('\r', text);
            Assert.DoesNotContain('\n', text);
        }

        Assert.Equal("Hello Bcc: x@evil.test", json["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task NamesLoseCommasAndSemicolonsWhenSendGridWouldRejectThem()
    {
        var result = await Sender().SendAsync(TestData.Email(toName: "Lopez, Maria; MA"));

        Assert.Equal(SendStatus.Accepted, result.Status);
        var request = Assert.Single(_server.Requests);
        Assert.Empty(request.Violations);
        Assert.Equal("Lopez Maria MA", request.Json!["personalizations"]![0]!["to"]![0]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("Maria <maria@clinic.test>")]
    [InlineData("maria@clinic.test\r\nBcc: x@evil.test")]
    [InlineData("maria@localhost")]
    [InlineData("ma..ria@clinic.test")]
    public async Task RejectedWithoutARequestWhenTheAddressIsInvalid(string address)
    {
        var result = await Sender().SendAsync(TestData.Email(toAddress: address));

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task RejectedWhenTheOperationIdIsNotOpaque()
    {
        var result = await Sender().SendAsync(TestData.Email() with { OperationId = "Maria Lopez's BLS 12345" });

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task RejectedWithoutARequestWhenTheEmailHasTooManyRecipients()
    {
        var email = TestData.Email() with { To = [.. Enumerable.Range(0, 1001).Select(i => new EmailAddress($"user{i}@clinic.test"))] };

        var result = await Sender().SendAsync(email);

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task AttachmentTravelsInBase64WithItsNameTypeAndDisposition()
    {
        var calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"u8.ToArray();
        var email = TestData.Email() with { Attachments = [new EmailAttachment("bls-renewal.ics", "text/calendar; method=PUBLISH", calendar)] };

        var result = await Sender().SendAsync(email);

        Assert.Equal(SendStatus.Accepted, result.Status);
        var request = Assert.Single(_server.Requests);
        Assert.Empty(request.Violations);
        var attachment = Assert.Single(request.Json!["attachments"]!.AsArray())!;
        Assert.Equal("bls-renewal.ics", attachment["filename"]!.GetValue<string>());
        Assert.Equal("text/calendar; method=PUBLISH", attachment["type"]!.GetValue<string>());
        Assert.Equal("attachment", attachment["disposition"]!.GetValue<string>());
        Assert.Equal(calendar, Convert.FromBase64String(attachment["content"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RejectedWithSendGridsMessageWhenSendGridAnswers400()
    {
        _server.Enqueue(FakeSendGridResponse.BadRequest("The from address does not match a verified Sender Identity.", "from"));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.Equal("HTTP 400: from: The from address does not match a verified Sender Identity.", result.Detail);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task RejectedWhenTheApiKeyIsRefused()
    {
        var result = await Sender(("SendGrid:ApiKey", "SG.wrong")).SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.StartsWith("HTTP 401", result.Detail, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task NotSentAfterExactlyOnePostWhenSendGridAnswers500()
    {
        _server.Enqueue(FakeSendGridResponse.ServerError(), FakeSendGridResponse.Accepted());

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.NotSent, result.Status);
        Assert.Equal("HTTP 500: internal error", result.Detail);
        await AssertStillOnePostAsync();
    }

    [Fact]
    public async Task NotSentAfterExactlyOnePostWhenSendGridAnswers503()
    {
        _server.DefaultResponse = new FakeSendGridResponse(503);

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.NotSent, result.Status);
        await AssertStillOnePostAsync();
    }

    [Fact]
    public async Task UnknownAfterExactlyOnePostWhenTheConnectionDrops()
    {
        _server.DefaultResponse = FakeSendGridResponse.Drop();

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Unknown, result.Status);
        Assert.Null(result.MessageId);
        await AssertStillOnePostAsync();
    }

    [Fact]
    public async Task UnknownAfterExactlyOnePostWhenNoAnswerArrivesWithinTheTimeout()
    {
        _server.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromSeconds(5));

        var result = await Sender(("SendGrid:RequestTimeout", "00:00:00.300")).SendAsync(TestData.Email()).WaitAsync(TimeSpan.FromSeconds(4));

        Assert.Equal(SendStatus.Unknown, result.Status);
        Assert.Equal("no answer within 0.3 s; it may have been accepted", result.Detail);
        await AssertStillOnePostAsync();
    }

    [Fact]
    public async Task NotSentWhenNothingListensAtTheBaseUrl()
    {
        var closed = _server.BaseUrl;
        await _server.DisposeAsync();
        _server = await FakeSendGridServer.StartAsync(_time);

        var result = await Sender(("SendGrid:BaseUrl", closed.AbsoluteUri)).SendAsync(TestData.Email());

        Assert.Equal(SendStatus.NotSent, result.Status);
        Assert.StartsWith("could not connect", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptedOnceAfterWaitingForResetWhenRateLimited()
    {
        var reset = Start.AddSeconds(20);
        _server.Enqueue(FakeSendGridResponse.RateLimited(reset), FakeSendGridResponse.Accepted("after-reset"));
        var sender = Sender();

        var sending = sender.SendAsync(TestData.Email());
        await _time.WaitForTimersAsync(1);
        Assert.Single(_server.Requests);

        _time.Advance(TimeSpan.FromSeconds(19));
        await Task.Delay(200);
        Assert.False(sending.IsCompleted);
        Assert.Single(_server.Requests);

        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SendStatus.Accepted, result.Status);
        Assert.Equal("after-reset", result.MessageId);
        Assert.Equal(2, _server.Requests.Count);
        Assert.True(_server.Requests[1].ReceivedAt >= reset);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task NotSentWithoutWaitingWhenResetIsBeyondTheCap()
    {
        _server.Enqueue(FakeSendGridResponse.RateLimited(Start.AddMinutes(5)));

        var result = await Sender(("SendGrid:MaxRateLimitWait", "00:00:30")).SendAsync(TestData.Email());

        Assert.Equal(SendStatus.NotSent, result.Status);
        Assert.Single(_server.Requests);
        Assert.Equal(0, _time.ActiveTimerCount);
    }

    [Fact]
    public async Task AcceptedAndMarkedAsSandboxWhenSandboxModeIsOn()
    {
        _server.Enqueue(FakeSendGridResponse.SandboxOk());

        var result = await Sender(("SendGrid:SandboxMode", "true")).SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Accepted, result.Status);
        Assert.Equal("sandbox mode: validated, not sent", result.Detail);
        Assert.True(Assert.Single(_server.Requests).Json!["mail_settings"]!["sandbox_mode"]!["enable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task NeverMoreRequestsInFlightThanMaxConcurrency()
    {
        _server.DefaultResponse = FakeSendGridResponse.Accepted(delay: TimeSpan.FromMilliseconds(100));
        var sender = Sender(("SendGrid:MaxConcurrency", "3"));

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => sender.SendAsync(TestData.Email(toAddress: $"user{i}@clinic.test"))));

        Assert.All(results, r => Assert.Equal(SendStatus.Accepted, r.Status));
        Assert.Equal(12, _server.Requests.Count);
        Assert.InRange(_server.MaxConcurrentRequests, 1, 3);
    }

    [Fact]
    public async Task TheApiKeyAppearsInNoLogLineEvenAtTrace()
    {
        var lines = new ConcurrentQueue<string>();
        _server.Enqueue(FakeSendGridResponse.Accepted(), FakeSendGridResponse.ServerError(), FakeSendGridResponse.Drop());
        var provider = Provider([], logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(lines)));
        var sender = provider.GetRequiredService<IEmailSender>();

        for (var i = 0; i < 3; i++) await sender.SendAsync(TestData.Email());

        Assert.Contains(lines, l => l.Contains("/v3/mail/send", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Authorization", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(ApiKey, StringComparison.Ordinal));
    }

    // The fake records a request before answering; a retry would arrive within milliseconds.
    private async Task AssertStillOnePostAsync()
    {
        await Task.Delay(300);
        Assert.Single(_server.Requests);
    }

    private IEmailSender Sender(params (string Key, string Value)[] settings) =>
        Provider(settings, _ => { }).GetRequiredService<IEmailSender>();

    private ServiceProvider Provider((string Key, string Value)[] settings, Action<ILoggingBuilder> logging)
    {
        var values = new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = ApiKey,
            ["SendGrid:BaseUrl"] = _server.BaseUrl.AbsoluteUri,
            ["Email:FromAddress"] = "reminders@clinic.test",
            ["Email:FromName"] = "ComplianceBot",
        };
        foreach (var (key, value) in settings) values[key] = value;

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(logging);
        services.AddEmailServices(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        var provider = services.BuildServiceProvider(validateScopes: true);
        _providers.Add(provider);
        Assert.IsType<SendGridEmailSender>(provider.GetRequiredService<IEmailSender>());
        return provider;
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder().Append(category).Append(' ').Append(logLevel).Append(": ").Append(formatter(state, exception));

            // Structured values too: a sink such as Application Insights stores them apart from the message.
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values) text.Append(' ').Append(key).Append('=').Append(value);
            }

            lines.Enqueue(text.Append(' ').Append(exception).ToString());
        }
    }
}
