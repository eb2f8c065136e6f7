using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Renewals;
using ComplianceBot.Email.Calendar;
using ComplianceBot.Email.Templates;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email;

/// <summary>
/// Renders the three messages: HTML with Razor components through <see cref="HtmlRenderer"/> (encoded,
/// type-checked), plain text with <see cref="PlainTextTemplates"/>. Subjects are cleaned of line breaks.
/// </summary>
public sealed class EmailComposer : IEmailComposer, IRenewalNoticeComposer, IDisposable
{
    public const string ReminderCategory = "reminder";
    public const string EscalationCategory = "escalation";
    public const string DigestCategory = "digest";
    public const string RejectionCategory = "renewal-rejected";

    // The components need no services; the renderer still asks for a provider.
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _senderName;

    private readonly RenewalTokens? _renewalLinks;

    /// <param name="renewalLinks">Signs the "I've renewed" link of each reminder; null or switched off: no link.</param>
    public EmailComposer(IOptions<EmailOptions> options, ILoggerFactory loggerFactory, RenewalTokens? renewalLinks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _loggerFactory = loggerFactory;
        _renewalLinks = renewalLinks;
        _senderName = EmailSafety.StripControlCharacters(options.Value.FromName) is { Length: > 0 } name ? name : "ComplianceBot";
    }

    /// <inheritdoc />
    public async Task<OutgoingEmail> ComposeReminderAsync(PersonalReminder reminder, string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        var items = EmailWording.SoonestFirst(reminder.Items, i => i.Status);
        var subject = ReminderSubject(items);
        var replyTo = reminder.Clinic.ManagerEmails.FirstOrDefault(m => !string.IsNullOrWhiteSpace(m))?.Trim();
        var link = _renewalLinks?.LinkFor(reminder.Clinic.Id, reminder.Recipient.EmployeeId);
        DateOnly? linkExpires = link is null ? null : DateOnly.FromDateTime(ReminderRunService.LocalTime(reminder.Clinic, link.ExpiresAt));
        var calendar = ReminderCalendar.For(reminder, items);

        var html = await RenderAsync<ReminderEmail>(new Dictionary<string, object?>
        {
            [nameof(ReminderEmail.Reminder)] = reminder,
            [nameof(ReminderEmail.Items)] = items,
            [nameof(ReminderEmail.Title)] = subject,
            [nameof(ReminderEmail.SenderName)] = _senderName,
            [nameof(ReminderEmail.ReplyTo)] = replyTo,
            [nameof(ReminderEmail.RenewalLink)] = link?.Url.AbsoluteUri,
            [nameof(ReminderEmail.RenewalLinkExpires)] = linkExpires,
            [nameof(ReminderEmail.HasCalendar)] = calendar is not null,
        }).ConfigureAwait(false);
        var text = PlainTextTemplates.Reminder(reminder, items, _senderName, replyTo, link?.Url, linkExpires, calendar is not null);

        return new OutgoingEmail(
            operationId,
            [new EmailAddress(reminder.Recipient.Email, reminder.Recipient.DisplayName)],
            replyTo is null ? null : new EmailAddress(replyTo),
            subject,
            html,
            text,
            ReminderCategory)
        {
            Attachments = calendar is null ? [] : [calendar],
        };
    }

    /// <inheritdoc />
    public async Task<OutgoingEmail> ComposeEscalationAsync(Escalation escalation, string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(escalation);
        var items = EmailWording.SoonestFirst(escalation.Items, i => i.Status, i => i.Staff.DisplayName);
        var subject = EmailSafety.StripControlCharacters(
            $"Overdue or missing: {EmailWording.Plural(items.Count, "credential", "credentials")} at {escalation.Clinic.Name}");

        var html = await RenderAsync<EscalationEmail>(new Dictionary<string, object?>
        {
            [nameof(EscalationEmail.Escalation)] = escalation,
            [nameof(EscalationEmail.Items)] = items,
            [nameof(EscalationEmail.Title)] = subject,
            [nameof(EscalationEmail.SenderName)] = _senderName,
        }).ConfigureAwait(false);
        var text = PlainTextTemplates.Escalation(escalation, items, _senderName);

        return new OutgoingEmail(operationId, Managers(escalation.ManagerEmails), null, subject, html, text, EscalationCategory);
    }

    /// <inheritdoc />
    public async Task<OutgoingEmail> ComposeDigestAsync(WeeklyDigest digest, string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var subject = DigestSubject(digest);
        var html = await RenderAsync<DigestEmail>(new Dictionary<string, object?>
        {
            [nameof(DigestEmail.Digest)] = digest,
            [nameof(DigestEmail.Title)] = subject,
            [nameof(DigestEmail.SenderName)] = _senderName,
        }).ConfigureAwait(false);
        var text = PlainTextTemplates.Digest(digest, _senderName);

        return new OutgoingEmail(operationId, Managers(digest.ManagerEmails), null, subject, html, text, DigestCategory);
    }

    /// <inheritdoc />
    public async Task<OutgoingEmail> ComposeRejectionAsync(RejectionNotice notice, string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var subject = EmailSafety.StripControlCharacters($"Your {notice.CredentialName} renewal was not accepted yet");
        var html = await RenderAsync<RejectionEmail>(new Dictionary<string, object?>
        {
            [nameof(RejectionEmail.Notice)] = notice,
            [nameof(RejectionEmail.Title)] = subject,
            [nameof(RejectionEmail.SenderName)] = _senderName,
        }).ConfigureAwait(false);
        var text = PlainTextTemplates.Rejection(notice, subject, _senderName);
        var replyTo = notice.Clinic.ManagerEmails.FirstOrDefault(m => !string.IsNullOrWhiteSpace(m))?.Trim();
        return new OutgoingEmail(
            operationId,
            [new EmailAddress(notice.Person.Email, notice.Person.DisplayName)],
            replyTo is null ? null : new EmailAddress(replyTo),
            subject,
            html,
            text,
            RejectionCategory);
    }

    public void Dispose() => _services.Dispose();

    /// <summary>"BLS expires in 7 days" for one item; "Action needed: 2 of your credentials are due" for more.</summary>
    internal static string ReminderSubject(IReadOnlyList<PlannedItem> items)
    {
        if (items.Count != 1) return $"Action needed: {items.Count} of your credentials are due";
        var status = items[0].Status;
        var name = EmailWording.CredentialLabel(status);
        var subject = status.State == ComplianceState.Missing
            ? $"{name} is missing"
            : status.DaysLeft switch
            {
                null => $"{name} needs a date check",
                < 0 and var days => $"{name} expired {EmailWording.Days(-days)} ago",
                0 => $"{name} expires today",
                var days => $"{name} expires in {EmailWording.Days(days.Value)}",
            };
        return EmailSafety.StripControlCharacters(subject);
    }

    /// <summary>"Weekly digest for Clinic: 2 expired, 1 missing, 3 expiring within 30 days".</summary>
    internal static string DigestSubject(WeeklyDigest digest)
    {
        var parts = new List<string>();
        void Add(DigestSection section, string label)
        {
            var count = digest.Count(section);
            if (count > 0) parts.Add($"{count} {label}");
        }

        Add(DigestSection.Expired, "expired");
        Add(DigestSection.DueToday, "due today");
        Add(DigestSection.Missing, "missing");
        Add(DigestSection.ExpiringWithin30Days, "expiring within 30 days");
        var summary = parts.Count == 0 ? "nothing urgent" : string.Join(", ", parts);
        return EmailSafety.StripControlCharacters($"Weekly digest for {digest.Clinic.Name}: {summary}");
    }

    private static List<EmailAddress> Managers(IEnumerable<string> emails) =>
        emails.Where(e => !string.IsNullOrWhiteSpace(e))
            .Select(e => e.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(e => new EmailAddress(e))
            .ToList();

    private async Task<string> RenderAsync<TComponent>(Dictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        var renderer = new HtmlRenderer(_services, _loggerFactory);
        await using (renderer.ConfigureAwait(false))
        {
            return await renderer.Dispatcher.InvokeAsync(async () =>
            {
                // Stay on the renderer's dispatcher: ToHtmlString must run there too.
#pragma warning disable CA2007
                var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
#pragma warning restore CA2007
                return output.ToHtmlString();
            }).ConfigureAwait(false);
        }
    }
}
