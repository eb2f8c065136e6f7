using ComplianceBot.Application.Renewals;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Planning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ComplianceBot.Email.Tests;

public sealed class RenewalLinkAndCalendarTests : IDisposable
{
    private static readonly CredentialType Bls = TestData.Credential("BLS", "BLS Provider", "Complete an AHA BLS Provider renewal course with a skills check.");
    private static readonly CredentialType Hipaa = TestData.Credential("HIPAA", "HIPAA training", "Complete the annual HIPAA module.", basis: RuleBasis.PracticeDefault);
    private static readonly EmailOptions Sender = new() { FromAddress = "reminders@clinic.test", FromName = "ComplianceBot" };

    private readonly RenewalTokens _tokens = new(
        Options.Create(new RenewalOptions { SigningKey = "signing-key-000000000000000000000000000000", PublicBaseUrl = "https://app.example.org" }),
        new FakeTimeProvider(new DateTimeOffset(2026, 3, 24, 15, 0, 0, TimeSpan.Zero)));

    private readonly EmailComposer _composer;

    public RenewalLinkAndCalendarTests() => _composer = new EmailComposer(Options.Create(Sender), NullLoggerFactory.Instance, _tokens);

    public void Dispose() => _composer.Dispose();

    [Fact]
    public async Task EveryReminderCarriesAPersonalLinkThatOpensOnlyThatPersonsRecord()
    {
        var staff = TestData.Staff();
        var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf, [TestData.Item(staff, TestData.Status(Bls, 7))]);

        var email = await _composer.ComposeReminderAsync(reminder, "op-1");

        var url = System.Text.RegularExpressions.Regex.Match(email.TextBody, @"https://app\.example\.org/api/renew/#\S+").Value;
        Assert.NotEmpty(url);
        Assert.Contains($"href=\"{url}\"", email.HtmlBody, StringComparison.Ordinal);
        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            Assert.Contains("renewed: update my record", body, StringComparison.Ordinal);
            Assert.Contains("It works until April 7, 2026", body, StringComparison.Ordinal);
        }

        Assert.Contains("I've renewed: update my record", email.TextBody, StringComparison.Ordinal);
        Assert.Equal(RenewalTokenCheck.Valid, _tokens.Check(new Uri(url).Fragment.TrimStart('#'), out var grant));
        Assert.Equal((TestData.Clinic().Id, staff.EmployeeId), (grant!.ClinicId, grant.EmployeeId));
    }

    [Fact]
    public async Task WithoutSigningKeyTheReminderSaysToGiveTheCardToTheManagerInstead()
    {
        using var composer = new EmailComposer(Options.Create(Sender), NullLoggerFactory.Instance);
        var staff = TestData.Staff();

        var email = await composer.ComposeReminderAsync(new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf, [TestData.Item(staff, TestData.Status(Bls, 7))]), "op-1");

        Assert.DoesNotContain("/api/renew/", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("give a copy of the new card or certificate to your office manager", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheReminderAttachesAnAllDayCalendarEventOnEachListedDueDate()
    {
        var staff = TestData.Staff();
        var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf,
        [
            TestData.Item(staff, TestData.Status(Bls, 7)),
            TestData.Item(staff, TestData.Status(Hipaa, 0)),
            TestData.Item(staff, TestData.Status(null, null, requirement: "CPR")),
        ]);

        var email = await _composer.ComposeReminderAsync(reminder, "op-1");

        var attachment = Assert.Single(email.Attachments);
        Assert.Equal("renewal-dates.ics", attachment.FileName);
        Assert.Equal("text/calendar; method=PUBLISH", attachment.ContentType);
        var ics = System.Text.Encoding.UTF8.GetString(attachment.Content.Span);
        var calendar = Ical.Net.Calendar.Load(ics)!;
        Assert.Equal(2, calendar.Events.Count);
        var starts = calendar.Events.Select(e => (e.DtStart!.Date, e.DtStart.HasTime, e.DtEnd!.Date)).Order().ToList();
        Assert.Equal([(new DateOnly(2026, 3, 24), false, new DateOnly(2026, 3, 25)), (new DateOnly(2026, 3, 31), false, new DateOnly(2026, 4, 1))], starts);
        Assert.Contains("DTSTART;VALUE=DATE:20260331", ics, StringComparison.Ordinal);
        Assert.Contains("BLS Provider due", calendar.Events.Select(e => e.Summary));
        Assert.Contains("METHOD:PUBLISH", ics, StringComparison.Ordinal);
        Assert.Contains("calendar file (.ics)", email.TextBody, StringComparison.Ordinal);
    }
}
