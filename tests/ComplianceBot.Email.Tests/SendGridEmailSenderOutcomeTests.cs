using System.Net;
using System.Net.Http.Headers;
using ComplianceBot.Application.Ports;
using ComplianceBot.Email.SendGrid;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using SendGrid;
using SdkMessage = SendGrid.Helpers.Mail.SendGridMessage;

namespace ComplianceBot.Email.Tests;

/// <summary>
/// How each answer of the SDK's <see cref="ISendGridClient"/> (or its failure to answer) becomes a
/// <see cref="SendStatus"/>, and how many POSTs each one costs. The integration tests in
/// <see cref="SendGridEmailSenderTests"/> run the same paths over real HTTP.
/// </summary>
public sealed class SendGridEmailSenderOutcomeTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 24, 15, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly ISendGridClient _client = Substitute.For<ISendGridClient>();
    private readonly List<HttpResponseMessage> _answers = [];
    private SendGridEmailSender? _sender;

    public void Dispose()
    {
        _sender?.Dispose();
        foreach (var answer in _answers) answer.Dispose();
    }

    [Fact]
    public async Task AcceptedWithTheMessageIdWhenSendGridAnswers202()
    {
        Answer(Response(HttpStatusCode.Accepted, messageId: "sg-202"));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(new SendResult(SendStatus.Accepted, "sg-202", null), result);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task AcceptedAndSaidToBeASandboxRunWhenSandboxModeAnswers200()
    {
        SdkMessage? sent = null;
        _client.SendEmailAsync(Arg.Do<SdkMessage>(m => sent = m), Arg.Any<CancellationToken>()).Returns(Response(HttpStatusCode.OK));

        var result = await Sender(o => o.SandboxMode = true).SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Accepted, result.Status);
        Assert.Equal("sandbox mode: validated, not sent", result.Detail);
        Assert.True(sent!.MailSettings.SandboxMode.Enable);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task RejectedWithSendGridsReasonAfterOnePostWhenSendGridRefusesForGood(HttpStatusCode status)
    {
        Answer(Response(status, body: """{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from","help":null}]}"""));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.Equal($"HTTP {(int)status}: from: The from address does not match a verified Sender Identity.", result.Detail);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task NotSentAfterOnePostWhenSendGridAnswersWithATransientError(HttpStatusCode status)
    {
        Answer(Response(status, body: "not json"), Response(HttpStatusCode.Accepted));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(new SendResult(SendStatus.NotSent, null, $"HTTP {(int)status}"), result);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task AcceptedOnTheSecondPostOnlyOnceTheRateLimitResetHasPassed()
    {
        Answer(Response(HttpStatusCode.TooManyRequests, reset: Start.AddSeconds(20)), Response(HttpStatusCode.Accepted, messageId: "after-reset"));
        var sender = Sender();

        var sending = sender.SendAsync(TestData.Email());
        _time.Advance(TimeSpan.FromSeconds(19));
        await Task.Delay(50);

        Assert.False(sending.IsCompleted);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());

        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new SendResult(SendStatus.Accepted, "after-reset", null), result);
        await _client.Received(2).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task RetryAfterIsHonouredWhenThe429HasNoRateLimitReset()
    {
        var limited = Response(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(5));
        Answer(limited, Response(HttpStatusCode.Accepted, messageId: "after-retry-after"));

        var sending = Sender().SendAsync(TestData.Email());
        _time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(50);
        Assert.False(sending.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(SendStatus.Accepted, (await sending.WaitAsync(TimeSpan.FromSeconds(10))).Status);
    }

    [Fact]
    public async Task NotSentAfterOnePostWithoutWaitingWhenTheResetIsBeyondTheWaitCap()
    {
        Answer(Response(HttpStatusCode.TooManyRequests, reset: Start.AddMinutes(5)), Response(HttpStatusCode.Accepted));

        var result = await Sender().SendAsync(TestData.Email()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SendStatus.NotSent, result.Status);
        Assert.Equal("rate limited; reset is beyond the 30 s wait cap", result.Detail);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task NotSentAfterOnePostWhenThe429SaysNothingAboutWhenToComeBack()
    {
        Answer(Response(HttpStatusCode.TooManyRequests), Response(HttpStatusCode.Accepted));

        var result = await Sender().SendAsync(TestData.Email()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new SendResult(SendStatus.NotSent, null, "rate limited; no reset time given"), result);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task NotSentAfterFivePostsWhenSendGridKeepsAnswering429()
    {
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>())
            .Returns(_ => Response(HttpStatusCode.TooManyRequests, reset: _time.GetUtcNow().AddSeconds(-1)));

        var sending = Sender().SendAsync(TestData.Email());
        for (var i = 0; i < 500 && !sending.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new SendResult(SendStatus.NotSent, null, "rate limited; still limited after 5 attempts"), result);
        await _client.Received(SendGridEmailSender.MaxRateLimitedAttempts).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task UnknownAfterOnePostWhenNoAnswerArrivesWithinTheRequestTimeout()
    {
        var cancelledByTimeout = false;
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            var token = call.ArgAt<CancellationToken>(1);
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelledByTimeout = true;
                throw;
            }

            return Response(HttpStatusCode.Accepted);
        });

        var result = await Sender(o => o.RequestTimeout = TimeSpan.FromMilliseconds(200)).SendAsync(TestData.Email()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(cancelledByTimeout);
        Assert.Equal(new SendResult(SendStatus.Unknown, null, "no answer within 0.2 s; it may have been accepted"), result);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task UnknownWhenTheHttpClientTimesOutAsTheSdkReportsIt()
    {
        // HttpClient.Timeout surfaces as TaskCanceledException wrapping a TimeoutException; with the SDK's
        // own retry handler, as a bare TimeoutException.
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>())
            .Returns(
                Task.FromException<Response>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException())),
                Task.FromException<Response>(new TimeoutException()));
        var sender = Sender();

        Assert.Equal(SendStatus.Unknown, (await sender.SendAsync(TestData.Email())).Status);
        Assert.Equal(SendStatus.Unknown, (await sender.SendAsync(TestData.Email())).Status);
        await _client.Received(2).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(HttpRequestError.ResponseEnded)]
    [InlineData(HttpRequestError.InvalidResponse)]
    [InlineData(HttpRequestError.Unknown)]
    public async Task UnknownAfterOnePostWhenTheConnectionDropsOnceTheRequestIsOut(HttpRequestError error)
    {
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException(error, "dropped"));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(new SendResult(SendStatus.Unknown, null, $"no answer: {error}; it may have been accepted"), result);
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError)]
    [InlineData(HttpRequestError.NameResolutionError)]
    public async Task NotSentWhenNoConnectionToSendGridCouldBeMade(HttpRequestError error)
    {
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException(error, "refused"));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(new SendResult(SendStatus.NotSent, null, $"could not connect: {error}"), result);
    }

    [Fact]
    public async Task UnknownInsteadOfAnExceptionWhenTheCallerCancelsMidPost()
    {
        using var cancel = new CancellationTokenSource();
        var posted = new TaskCompletionSource();
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            posted.SetResult();
            await Task.Delay(Timeout.Infinite, call.ArgAt<CancellationToken>(1));
            return Response(HttpStatusCode.Accepted);
        });

        var sending = Sender().SendAsync(TestData.Email(), cancel.Token);
        await posted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new SendResult(SendStatus.Unknown, null, "cancelled while the request was in flight; it may have been accepted"), result);
    }

    [Fact]
    public async Task NothingPostedAndCancellationThrownWhenCancelledBeforeSending()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sender().SendAsync(TestData.Email(), cancel.Token));

        await _client.DidNotReceiveWithAnyArgs().SendEmailAsync(default!, default);
    }

    [Fact]
    public async Task CancellationThrownAndNoSecondPostWhenCancelledWhileWaitingForTheRateLimitReset()
    {
        using var cancel = new CancellationTokenSource();
        Answer(Response(HttpStatusCode.TooManyRequests, reset: Start.AddSeconds(20)), Response(HttpStatusCode.Accepted));

        var sending = Sender().SendAsync(TestData.Email(), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(TimeSpan.FromSeconds(10)));
        await _client.Received(1).SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task RejectedWithoutAPostWhenTheEmailFailsTheSharedChecks()
    {
        var result = await Sender().SendAsync(TestData.Email(toAddress: "maria@clinic.test\r\nBcc: x@evil.test"));

        Assert.Equal(new SendResult(SendStatus.Rejected, null, "a recipient address is not valid."), result);
        await _client.DidNotReceiveWithAnyArgs().SendEmailAsync(default!, default);
    }

    [Fact]
    public async Task RejectedWithoutAPostWhenTheAttachmentsAreTooLargeForSendGrid()
    {
        var email = TestData.Email() with { Attachments = [new EmailAttachment("big.pdf", "application/pdf", new byte[PreparedEmail.MaxAttachmentBytes + 1])] };

        var result = await Sender().SendAsync(email);

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.StartsWith("attachments may total at most", result.Detail, StringComparison.Ordinal);
        await _client.DidNotReceiveWithAnyArgs().SendEmailAsync(default!, default);
    }

    private SendGridEmailSender Sender(Action<SendGridOptions>? configure = null)
    {
        var options = new SendGridOptions { ApiKey = "SG.unit", MaxRateLimitWait = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        _sender = new SendGridEmailSender(
            _client,
            Options.Create(options),
            Options.Create(new EmailOptions { FromAddress = "reminders@clinic.test" }),
            _time,
            NullLogger<SendGridEmailSender>.Instance);
        return _sender;
    }

    private void Answer(Response first, params Response[] then) =>
        _client.SendEmailAsync(Arg.Any<SdkMessage>(), Arg.Any<CancellationToken>()).Returns(first, then);

    private Response Response(HttpStatusCode status, string? messageId = null, DateTimeOffset? reset = null, string? body = null)
    {
        // HttpResponseHeaders has no public constructor: the SDK takes them from an HttpResponseMessage too.
        var message = new HttpResponseMessage(status) { Content = new StringContent(body ?? string.Empty) };
        _answers.Add(message);
        if (messageId is not null) message.Headers.Add("X-Message-Id", messageId);
        if (reset is { } at) message.Headers.Add("X-RateLimit-Reset", at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new Response(status, message.Content, message.Headers);
    }
}
