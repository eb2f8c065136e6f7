using System.Globalization;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Tests;

public sealed class EmailComposerTests : IDisposable
{
    private const string Hostile = "<script>alert('x')</script>";
    private static readonly CredentialType Bls = TestData.Credential("BLS", "BLS Provider", "Complete an AHA BLS Provider renewal course with a skills check.");
    private static readonly CredentialType Cma = TestData.Credential(
        "CMA", "CMA (AAMA)", "Recertify by continuing education or by exam.", new LapseWindow(90, "Recertify by CE.", "Retake the exam."));
    private static readonly CredentialType Hipaa = TestData.Credential("HIPAA", "HIPAA training", "Complete the annual HIPAA module.", basis: RuleBasis.PracticeDefault);

    private readonly EmailComposer _composer = new(Options.Create(new EmailOptions { FromAddress = "reminders@clinic.test", FromName = "ComplianceBot" }), NullLoggerFactory.Instance);

    public void Dispose() => _composer.Dispose();

    [Fact]
    public async Task ItemsSoonestFirstWithDaysAndLapseWarningWhenReminding()
    {
        var staff = TestData.Staff();
        var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf,
        [
            TestData.Item(staff, TestData.Status(Bls, 7)),
            TestData.Item(staff, TestData.Status(Cma, -3, lapseAdvice: "Within 87 more days you can still recertify by CE.")),
            TestData.Item(staff, TestData.Status(Hipaa, 0)),
        ]);

        var email = await _composer.ComposeReminderAsync(reminder, "op-1");

        Assert.Equal("Action needed: 3 of your credentials are due", email.Subject);
        Assert.Equal("maria@clinic.test", Assert.Single(email.To).Address);
        Assert.Equal("manager@clinic.test", email.ReplyTo?.Address);
        Assert.Equal("reminder", email.Category);
        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            AssertInOrder(body, "CMA (AAMA)", "HIPAA training (practice policy)", "BLS Provider");
            Assert.Contains("3 days overdue", body, StringComparison.Ordinal);
            Assert.Contains("due today", body, StringComparison.Ordinal);
            Assert.Contains("7 days left", body, StringComparison.Ordinal);
            Assert.Contains("March 31, 2026", body, StringComparison.Ordinal);
            Assert.Contains("March 21, 2026", body, StringComparison.Ordinal);
            Assert.Contains("Within 87 more days you can still recertify by CE.", body, StringComparison.Ordinal);
            Assert.Contains("Complete an AHA BLS Provider renewal course with a skills check.", body, StringComparison.Ordinal);
            Assert.Contains("Seattle North Family Practice", body, StringComparison.Ordinal);
            Assert.Contains("3 of your credentials need attention. They are listed soonest first.", body, StringComparison.Ordinal);
        }

        Assert.Contains("<h1", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\"", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"row\"", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", email.HtmlBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7, "BLS Provider expires in 7 days")]
    [InlineData(1, "BLS Provider expires in 1 day")]
    [InlineData(0, "BLS Provider expires today")]
    [InlineData(-2, "BLS Provider expired 2 days ago")]
    public async Task SubjectNamesTheCredentialWhenOnlyOneIsDue(int daysLeft, string subject)
    {
        var staff = TestData.Staff();
        var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf, [TestData.Item(staff, TestData.Status(Bls, daysLeft))]);

        var email = await _composer.ComposeReminderAsync(reminder, "op-1");

        Assert.Equal(subject, email.Subject);
        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            Assert.Contains("one of your credentials needs attention.", body, StringComparison.Ordinal);
            Assert.DoesNotContain("soonest first", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LapseWindowIsExplainedBeforeExpiryWhenTheCatalogHasOne()
    {
        var staff = TestData.Staff();
        var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf, [TestData.Item(staff, TestData.Status(Cma, 30))]);

        var email = await _composer.ComposeReminderAsync(reminder, "op-1");

        Assert.Contains("within 90 days after expiry: Recertify by CE. After that: Retake the exam.", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatesAreUsEnglishWhenTheMachineCultureIsNot()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("fr-FR");
        try
        {
            var staff = TestData.Staff();
            var reminder = new PersonalReminder(TestData.Clinic(), staff, TestData.AsOf, [TestData.Item(staff, TestData.Status(Bls, 7))]);

            var email = await _composer.ComposeReminderAsync(reminder, "op-1");

            Assert.Contains("March 31, 2026", email.HtmlBody, StringComparison.Ordinal);
            Assert.Contains("March 24, 2026", email.TextBody, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public async Task HostileNamesAreEncodedWhenRendered()
    {
        var staff = TestData.Staff(first: Hostile, last: "O'Brien & Co");
        var clinic = TestData.Clinic(name: "<b>Clinic</b>");
        var reminder = new PersonalReminder(clinic, staff, TestData.AsOf, [TestData.Item(staff, TestData.Status(Bls, 7))]);
        var escalation = new Escalation(clinic, ["manager@clinic.test"], TestData.AsOf, [TestData.Item(staff, TestData.Status(Bls, -1))]);
        var digest = Digest([new DigestLine(DigestSection.Expired, staff, TestData.Status(Bls, -1))], [staff], clinic);

        foreach (var email in new[]
        {
            await _composer.ComposeReminderAsync(reminder, "op-1"),
            await _composer.ComposeEscalationAsync(escalation, "op-2"),
            await _composer.ComposeDigestAsync(digest, "op-3"),
        })
        {
            Assert.DoesNotContain("<script>", email.HtmlBody, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<b>Clinic", email.HtmlBody, StringComparison.Ordinal);
            Assert.Contains("&lt;b&gt;Clinic&lt;/b&gt;", email.HtmlBody, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;", email.HtmlBody, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ManagersSeeWhoIsOverdueOrMissingWhatWhenEscalating()
    {
        var maria = TestData.Staff();
        var sam = TestData.Staff("Sam", "Chen", "sam@clinic.test", "E200");
        var escalation = new Escalation(TestData.Clinic(), ["manager@clinic.test", "MANAGER@clinic.test", "other@clinic.test"], TestData.AsOf,
        [
            TestData.Item(maria, TestData.Status(Bls, -2)),
            TestData.Item(sam, TestData.Status(null, null, requirement: "Hepatitis B vaccination")),
            TestData.Item(sam, TestData.Status(Cma, -40, lapseAdvice: "50 days left to recertify by CE.")),
        ]);

        var email = await _composer.ComposeEscalationAsync(escalation, "op-1");

        Assert.Equal("Overdue or missing: 3 credentials at Seattle North Family Practice", email.Subject);
        Assert.Equal(["manager@clinic.test", "other@clinic.test"], email.To.Select(t => t.Address));
        Assert.Equal("escalation", email.Category);
        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            AssertInOrder(body, "Hepatitis B vaccination", "40 days overdue", "2 days overdue");
            Assert.Contains("Sam Chen", body, StringComparison.Ordinal);
            Assert.Contains("Maria Lopez", body, StringComparison.Ordinal);
            Assert.Contains("missing: no record on file", body, StringComparison.Ordinal);
            Assert.Contains("3 credentials of 2 people are overdue or missing. Most overdue first.", body, StringComparison.Ordinal);
            Assert.Contains("3 credentials of 2 people are overdue or missing", body, StringComparison.Ordinal);
            Assert.Contains("50 days left to recertify by CE.", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OneOverdueItemIsSaidInTheSingularWithoutAnOrderWhenEscalating()
    {
        var maria = TestData.Staff();
        var escalation = new Escalation(TestData.Clinic(), ["manager@clinic.test"], TestData.AsOf, [TestData.Item(maria, TestData.Status(Bls, -2))]);

        var email = await _composer.ComposeEscalationAsync(escalation, "op-1");

        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            Assert.Contains("1 credential of 1 person is overdue or missing.", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Most overdue first", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CountsFirstThenSectionsWorstFirstAndUndeliverableStaffWhenDigesting()
    {
        var maria = TestData.Staff();
        var sam = TestData.Staff("Sam", "Chen", "sam@clinic.test", "E200");
        var lines = new List<DigestLine>
        {
            new(DigestSection.ExpiringWithin30Days, maria, TestData.Status(Bls, 12)),
            new(DigestSection.Missing, sam, TestData.Status(null, null, requirement: "Hepatitis B vaccination")),
            new(DigestSection.Expired, sam, TestData.Status(Cma, -5)),
            new(DigestSection.Expired, maria, TestData.Status(Hipaa, -20)),
        };

        var email = await _composer.ComposeDigestAsync(Digest(lines, [sam]), "op-1");

        Assert.Equal("Weekly digest for Seattle North Family Practice: 2 expired, 1 missing, 1 expiring within 30 days", email.Subject);
        Assert.Equal("digest", email.Category);
        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            AssertInOrder(body, "Counts this week", "Expired (2)", "HIPAA training (practice policy)", "CMA (AAMA)",
                "Expiring within 30 days (1)", "Missing (1)", "Emails to these people are not arriving", "sam@clinic.test");
            Assert.Contains("Week 13 of 2026", body, StringComparison.Ordinal);
        }

        Assert.Contains("Expired: 2", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("Due today: 0", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("Emails not arriving: 1", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("<h2", email.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Due today (", email.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DigestListsPlaceholderDatesToCorrectWithThePersonAndTheField()
    {
        var sam = TestData.Staff("Sam", "Chen", "sam@clinic.test", "E200");
        var dates = new List<ImplausibleDate>
        {
            new(sam, "hire_date", new DateOnly(9999, 12, 31)),
            new(sam, "expires_on", new DateOnly(1, 1, 1), "BLS"),
        };

        var email = await _composer.ComposeDigestAsync(Digest([], [], dates: dates), "op-1");

        Assert.Contains("Dates to correct: 2", email.TextBody, StringComparison.Ordinal);
        foreach (var body in new[] { email.HtmlBody, email.TextBody })
        {
            AssertInOrder(body, "Dates to correct (2)", "look like placeholders", "Sam Chen (E200): hire date: December 31, 9999", "Sam Chen (E200): BLS printed expiry date: January 1, 0001");
        }
    }

    [Fact]
    public async Task EveryoneCurrentIsSaidWhenTheDigestIsEmpty()
    {
        var email = await _composer.ComposeDigestAsync(Digest([], []), "op-1");

        Assert.Equal("Weekly digest for Seattle North Family Practice: nothing urgent", email.Subject);
        Assert.Contains("Everyone's credentials are current.", email.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("not arriving</h2>", email.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubjectHasNoLineBreaksWhenTheClinicNameHasThem()
    {
        var email = await _composer.ComposeDigestAsync(Digest([], [], TestData.Clinic("North\r\nBcc: x@evil.test")), "op-1");

        Assert.DoesNotContain('\r', email.Subject);
        Assert.DoesNotContain('\n', email.Subject);
    }

    private static WeeklyDigest Digest(IReadOnlyList<DigestLine> lines, IReadOnlyList<Domain.Model.StaffMember> undeliverable, Domain.Model.Clinic? clinic = null, IReadOnlyList<ImplausibleDate>? dates = null) =>
        new(new("seattle-north", "D|2026-W13"), clinic ?? TestData.Clinic(), ["manager@clinic.test"], TestData.AsOf, 2026, 13, lines, undeliverable, dates ?? []);

    private static void AssertInOrder(string text, params string[] parts)
    {
        var from = 0;
        foreach (var part in parts)
        {
            var index = text.IndexOf(part, from, StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{part}' not found after position {from}.");
            from = index + part.Length;
        }
    }
}
