using ComplianceBot.Application.Ports;
using ComplianceBot.Email.SendGrid;
using ComplianceBot.Testing;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Tests;

public sealed class SendGridEmailSenderTests : IAsyncLifetime, IDisposable
{
    private const string Injection = "\r\nBcc: x@evil.test";
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 3, 24, 15, 0, 0, TimeSpan.Zero));
    private FakeSendGridServer _server = null!;
    private SendGridClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeSendGridServer.StartAsync(_time);
        _client = new SendGridClient(new SendGridClientOptions { ApiKey = "SG.key", BaseUrl = _server.BaseUrl }, _time);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task AcceptedWithTheMessageIdWhenSendGridTakesIt()
    {
        _server.Enqueue(FakeSendGridResponse.Accepted("sg-1"));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Accepted, result.Status);
        Assert.Equal("sg-1", result.MessageId);
        var json = Assert.Single(_server.Requests).Json!;
        Assert.Equal("reminders@clinic.test", json["from"]!["email"]!.GetValue<string>());
        Assert.Equal("manager@clinic.test", json["reply_to"]!["email"]!.GetValue<string>());
        Assert.Equal("reminder", json["categories"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task NoLineBreaksAndOneRecipientWhenNamesAndSubjectCarryHeaderInjection()
    {
        var email = TestData.Email(toName: "Eve" + Injection, subject: "Hello" + Injection) with
        {
            ReplyTo = new EmailAddress("manager@clinic.test", "Pat" + Injection),
        };

        var result = await Sender(fromName: "Bot" + Injection).SendAsync(email);

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
    public async Task OnlyTheOperationIdTravelsInCustomArgs()
    {
        await Sender().SendAsync(TestData.Email());

        var args = Assert.Single(_server.Requests).Json!["personalizations"]![0]!["custom_args"]!.AsObject();
        var arg = Assert.Single(args);
        Assert.Equal("operation_id", arg.Key);
        Assert.Equal("op-123", arg.Value!.GetValue<string>());
    }

    [Fact]
    public async Task RejectedWhenTheOperationIdIsNotOpaque()
    {
        var result = await Sender().SendAsync(TestData.Email() with { OperationId = "Maria Lopez's BLS 12345" });

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task NotSentWhenSendGridAnswers503()
    {
        _server.Enqueue(new FakeSendGridResponse(503));

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.NotSent, result.Status);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task UnknownWhenTheConnectionDrops()
    {
        _server.Enqueue(FakeSendGridResponse.Drop());

        var result = await Sender().SendAsync(TestData.Email());

        Assert.Equal(SendStatus.Unknown, result.Status);
        Assert.Single(_server.Requests);
    }

    private SendGridEmailSender Sender(string fromName = "ComplianceBot") =>
        new(_client, Options.Create(new EmailOptions { FromAddress = "reminders@clinic.test", FromName = fromName }));
}
