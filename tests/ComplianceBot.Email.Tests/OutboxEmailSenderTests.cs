using System.Text.Json;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Email.Outbox;
using ComplianceBot.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Tests;

public sealed class OutboxEmailSenderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 24, 15, 4, 5, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cb-outbox-" + Guid.NewGuid().ToString("N"));
    private readonly OutboxEmailSender _sender;

    public OutboxEmailSenderTests()
    {
        _sender = new OutboxEmailSender(
            Options.Create(new EmailOptions { FromAddress = "reminders@clinic.test", FromName = "ComplianceBot", OutboxPath = _folder }),
            new ManualTimeProvider(Now));
    }

    public void Dispose()
    {
        _sender.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task StandardMessageWithBothPartsWhenWritten()
    {
        var result = await _sender.SendAsync(TestData.Email(html: "<p>Hello ünïcode = 100%</p>", text: "Hello\nLine two with a trailing space \nünïcode"));

        Assert.Equal(SendStatus.Accepted, result.Status);
        var eml = EmlReader.Parse(await File.ReadAllTextAsync(SingleEml()));
        Assert.Equal("\"ComplianceBot\" <reminders@clinic.test>", eml.Headers["From"]);
        Assert.Equal("\"Maria Lopez\" <maria@clinic.test>", eml.Headers["To"]);
        Assert.Equal("\"Pat Manager\" <manager@clinic.test>", eml.Headers["Reply-To"]);
        Assert.Equal("BLS expires in 7 days", eml.Headers["Subject"]);
        Assert.Equal("Tue, 24 Mar 2026 15:04:05 +0000", eml.Headers["Date"]);
        Assert.Equal("<" + result.MessageId + ">", eml.Headers["Message-ID"]);
        Assert.EndsWith("@clinic.test", result.MessageId, StringComparison.Ordinal);
        Assert.Equal("1.0", eml.Headers["MIME-Version"]);
        Assert.Equal("op-123", eml.Headers["X-ComplianceBot-Operation-Id"]);

        Assert.Equal(2, eml.Parts.Count);
        Assert.Equal("text/plain; charset=utf-8", eml.Parts[0].Headers["Content-Type"]);
        Assert.Equal("text/html; charset=utf-8", eml.Parts[1].Headers["Content-Type"]);
        Assert.Equal("Hello\r\nLine two with a trailing space \r\nünïcode", eml.Parts[0].Body);
        Assert.Equal("<p>Hello ünïcode = 100%</p>", eml.Parts[1].Body);
    }

    [Fact]
    public async Task EncodedWordSubjectWhenTheSubjectIsNotAscii()
    {
        var subject = "Renouvellement nécessaire : BLS expire bientôt — " + new string('é', 60);

        await _sender.SendAsync(TestData.Email(subject: subject, toName: "José Núñez"));

        var eml = EmlReader.Parse(await File.ReadAllTextAsync(SingleEml()));
        Assert.StartsWith("=?utf-8?B?", eml.Headers["Subject"], StringComparison.Ordinal);
        Assert.Equal(subject, EmlReader.DecodeHeader(eml.Headers["Subject"]));
        Assert.Equal("José Núñez <maria@clinic.test>", EmlReader.DecodeHeader(eml.Headers["To"]));
        Assert.All(eml.Raw.Split("\r\n"), line => Assert.True(line.Length <= 998));
        Assert.All(eml.Raw.Split("\r\n\r\n")[0].Split("\r\n"), line => Assert.True(line.Length <= 78, line));
    }

    [Fact]
    public async Task NoInjectedHeaderWhenNamesAndSubjectCarryLineBreaks()
    {
        await _sender.SendAsync(TestData.Email(toName: "Eve\r\nBcc: x@evil.test", subject: "Hi\r\nBcc: x@evil.test"));

        var eml = EmlReader.Parse(await File.ReadAllTextAsync(SingleEml()));
        Assert.False(eml.Headers.ContainsKey("Bcc"));
        Assert.Equal("Hi Bcc: x@evil.test", eml.Headers["Subject"]);
        Assert.Equal("\"Eve Bcc: x@evil.test\" <maria@clinic.test>", eml.Headers["To"]);
    }

    [Fact]
    public async Task HostileNamesStayEncodedWhenAComposedReminderIsWritten()
    {
        var staff = TestData.Staff(first: "<script>alert(1)</script>", last: "\"Quoted\" \\ Name");
        var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf,
            [TestData.Item(staff, TestData.Status(TestData.Credential("BLS", "BLS Provider"), 7))]);
        using var composer = new EmailComposer(Options.Create(new EmailOptions { FromAddress = "reminders@clinic.test" }), NullLoggerFactory.Instance);

        await _sender.SendAsync(await composer.ComposeReminderAsync(reminder, "op-9"));

        var eml = EmlReader.Parse(await File.ReadAllTextAsync(SingleEml()));
        var html = eml.Parts[1].Body;
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("Hi <script>alert(1)</script>,", eml.Parts[0].Body, StringComparison.Ordinal);
        Assert.Equal("\"<script>alert(1)</script> \\\"Quoted\\\" \\\\ Name\" <maria@clinic.test>", eml.Headers["To"]);
    }

    [Fact]
    public async Task OneIndexLinePerMessageWhenSeveralAreWritten()
    {
        var first = await _sender.SendAsync(TestData.Email());
        var second = await _sender.SendAsync(TestData.Email(subject: "Second") with { OperationId = "op-456" });

        var bytes = await File.ReadAllBytesAsync(Path.Combine(_folder, OutboxEmailSender.IndexFileName));
        Assert.Equal((byte)'{', bytes[0]); // no byte-order mark: line 1 is JSON as it stands
        var lines = await File.ReadAllLinesAsync(Path.Combine(_folder, OutboxEmailSender.IndexFileName));
        Assert.Equal(2, lines.Length);
        using var entry = JsonDocument.Parse(lines[1]);
        var root = entry.RootElement;
        Assert.Equal("op-456", root.GetProperty("operationId").GetString());
        Assert.Equal("Second", root.GetProperty("subject").GetString());
        Assert.Equal("maria@clinic.test", root.GetProperty("to")[0].GetString());
        Assert.Equal(Now, root.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(second.MessageId, root.GetProperty("messageId").GetString());
        Assert.True(File.Exists(Path.Combine(_folder, root.GetProperty("file").GetString()!)));
        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.Equal(2, Directory.GetFiles(_folder, "*.eml").Length);
    }

    [Fact]
    public async Task SafeFileNameWhenTheOperationIdHasPathCharacters()
    {
        await _sender.SendAsync(TestData.Email() with { OperationId = "R|E1|..|x" });

        var name = Path.GetFileName(SingleEml());
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z-reminder-R_E1_.._x-[0-9a-f]{12}\\.eml$", name);
    }

    [Fact]
    public async Task RejectedAndNothingWrittenWhenTheAddressIsInvalid()
    {
        var result = await _sender.SendAsync(TestData.Email(toAddress: "nobody"));

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.False(Directory.Exists(_folder) && Directory.GetFiles(_folder).Length > 0);
    }

    [Fact]
    public async Task AttachmentFollowsTheBodiesInMultipartMixedWhenTheEmailHasOne()
    {
        var calendar = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        var email = TestData.Email(html: "<p>Hello</p>", text: "Hello") with
        {
            Attachments = [new EmailAttachment("bls-renewal.ics", "text/calendar; method=PUBLISH", calendar)],
        };

        var result = await _sender.SendAsync(email);

        Assert.Equal(SendStatus.Accepted, result.Status);
        var eml = EmlReader.Parse(await File.ReadAllTextAsync(SingleEml()));
        Assert.StartsWith("multipart/mixed;", eml.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(["Hello", "<p>Hello</p>"], eml.Parts.Select(p => p.Body));
        var (headers, content) = Assert.Single(eml.Attachments);
        Assert.Equal("text/calendar; method=PUBLISH; name=\"bls-renewal.ics\"", headers["Content-Type"]);
        Assert.Equal("attachment; filename=\"bls-renewal.ics\"", headers["Content-Disposition"]);
        Assert.Equal(calendar, content);
    }

    [Theory]
    [InlineData("../../etc/passwd", "text/calendar")]
    [InlineData("invite\".ics", "text/calendar")]
    [InlineData("invite\r\nBcc: x@evil.test.ics", "text/calendar")]
    [InlineData("invite.ics", "text/calendar\r\nBcc: x@evil.test")]
    [InlineData("invite.ics", "calendar")]
    public async Task RejectedAndNothingWrittenWhenAnAttachmentsNameOrTypeCouldBreakAHeader(string fileName, string contentType)
    {
        var email = TestData.Email() with { Attachments = [new EmailAttachment(fileName, contentType, new byte[] { 1 })] };

        var result = await _sender.SendAsync(email);

        Assert.Equal(SendStatus.Rejected, result.Status);
        Assert.False(Directory.Exists(_folder) && Directory.GetFiles(_folder).Length > 0);
    }

    private string SingleEml() => Assert.Single(Directory.GetFiles(_folder, "*.eml"));
}
