using System.Text;
using ComplianceBot.Application.Ports;
using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Email.Templates;

/// <summary>The plain-text alternative of each message; the same wording as the HTML, line for line.</summary>
internal static class PlainTextTemplates
{
    public static string Reminder(PersonalReminder reminder, IReadOnlyList<PlannedItem> items, string senderName, string? replyTo, Uri? renewalLink = null, DateOnly? renewalLinkExpires = null, bool hasCalendar = false)
    {
        var text = new StringBuilder();
        Heading(text, $"Credentials due at {reminder.Clinic.Name}", '=');
        text.Append("Hi ").Append(reminder.Recipient.FirstName).AppendLine(",").AppendLine();
        text.AppendLine(EmailWording.ReminderIntro(reminder.AsOf, items.Count)).AppendLine();

        foreach (var item in items)
        {
            text.Append("* ").Append(EmailWording.CredentialLabel(item.Status))
                .Append(item.Status.DaysLeft < 0 ? " - expired " : " - expires ").Append(EmailWording.FormatDueDate(item.Status))
                .Append(" - ").AppendLine(EmailWording.StatusText(item.Status));
        }

        text.AppendLine();
        Heading(text, "What renewal takes", '-');
        foreach (var item in items)
        {
            text.AppendLine(EmailWording.CredentialLabel(item.Status));
            text.Append("  ").AppendLine(EmailWording.RenewalSteps(item.Status));
            if (EmailWording.LapseWarning(item.Status) is { } lapse) text.Append("  Lapse window: ").AppendLine(lapse);
            if (item.Status.DateCheckRequired) text.Append("  Check the date: ").AppendLine(EmailWording.DateCheckNote);
            text.AppendLine();
        }

        if (renewalLink is not null)
        {
            Heading(text, "Renewed already?", '-');
            text.AppendLine(EmailWording.RenewalLinkIntro).AppendLine();
            text.Append(EmailWording.RenewalLinkText).AppendLine(":");
            text.AppendLine(renewalLink.AbsoluteUri).AppendLine();
            text.AppendLine(EmailWording.RenewalLinkNote(renewalLinkExpires));
        }
        else
        {
            text.Append("When you have renewed, give a copy of the new card or certificate to your office manager")
                .AppendLine(replyTo is null ? "." : $" (reply to this email to reach {replyTo}).");
        }

        if (hasCalendar) text.AppendLine().AppendLine(EmailWording.CalendarNote);
        return Footer(text, senderName, reminder.Clinic.Name);
    }

    public static string Rejection(RejectionNotice notice, string title, string senderName)
    {
        var text = new StringBuilder();
        Heading(text, title, '=');
        text.Append("Hi ").Append(notice.Person.FirstName).AppendLine(",").AppendLine();
        text.AppendLine(EmailWording.RejectionIntro(notice.CredentialName)).AppendLine();
        text.Append("Reason: ").AppendLine(notice.Reason).AppendLine();
        if (notice.RenewalLink is not null)
        {
            text.AppendLine(EmailWording.RejectionAgain).AppendLine();
            text.Append(EmailWording.RenewalLinkText).AppendLine(":");
            text.AppendLine(notice.RenewalLink.AbsoluteUri).AppendLine();
            text.AppendLine(EmailWording.RenewalLinkNote(notice.RenewalLinkExpires));
        }

        return Footer(text, senderName, notice.Clinic.Name);
    }

    public static string Escalation(Escalation escalation, IReadOnlyList<PlannedItem> items, string senderName)
    {
        var text = new StringBuilder();
        Heading(text, $"Overdue or missing credentials at {escalation.Clinic.Name}", '=');
        var people = items.Select(i => i.Staff.EmployeeId).Distinct(StringComparer.Ordinal).Count();
        text.AppendLine(EmailWording.EscalationIntro(escalation.AsOf, items.Count, people)).AppendLine();

        foreach (var item in items)
        {
            Line(text, item.Staff.DisplayName, item.Status);
            if (EmailWording.LapseWarning(item.Status) is { } lapse) text.Append("  Lapse window: ").AppendLine(lapse);
        }

        return Footer(text, senderName, escalation.Clinic.Name);
    }

    public static string Digest(WeeklyDigest digest, string senderName)
    {
        var text = new StringBuilder();
        Heading(text, $"Weekly compliance digest: {digest.Clinic.Name}", '=');
        text.Append("Week ").Append(digest.IsoWeek).Append(" of ").Append(digest.IsoYear)
            .Append(", as of ").Append(EmailWording.FormatDate(digest.AsOf)).AppendLine(".").AppendLine();

        Heading(text, "Counts this week", '-');
        foreach (var section in EmailWording.SectionsWorstFirst)
        {
            text.Append(EmailWording.SectionTitle(section)).Append(": ").Append(digest.Count(section)).AppendLine();
        }

        text.Append("Emails not arriving: ").Append(digest.UndeliverableStaff.Count).AppendLine();
        text.Append(EmailWording.DatesToCorrectTitle).Append(": ").Append(digest.DatesToCorrect.Count).AppendLine().AppendLine();

        foreach (var section in EmailWording.SectionsWorstFirst)
        {
            var lines = EmailWording.SoonestFirst(digest.Lines.Where(l => l.Section == section), l => l.Status, l => l.Staff.DisplayName);
            if (lines.Count == 0) continue;
            Heading(text, $"{EmailWording.SectionTitle(section)} ({lines.Count})", '-');
            foreach (var line in lines) Line(text, line.Staff.DisplayName, line.Status);
            text.AppendLine();
        }

        if (digest.Lines.Count == 0) text.AppendLine("Everyone's credentials are current. Nothing needs doing this week.").AppendLine();

        if (digest.UndeliverableStaff.Count > 0)
        {
            Heading(text, "Emails to these people are not arriving", '-');
            text.AppendLine("Their reminders bounced or were dropped. Please check the address on the roster.");
            foreach (var person in digest.UndeliverableStaff) text.Append("* ").Append(person.DisplayName).Append(" (").Append(person.Email).AppendLine(")");
            text.AppendLine();
        }

        if (digest.DatesToCorrect.Count > 0)
        {
            Heading(text, $"{EmailWording.DatesToCorrectTitle} ({digest.DatesToCorrect.Count})", '-');
            text.AppendLine(EmailWording.DatesToCorrectIntro);
            foreach (var date in digest.DatesToCorrect) text.Append("* ").Append(date.Staff.DisplayName).Append(" (").Append(date.Staff.EmployeeId).Append("): ").AppendLine(EmailWording.DateToCorrect(date));
            text.AppendLine();
        }

        if (digest.SetAsideRuns.Count > 0)
        {
            Heading(text, EmailWording.SetAsideRunsTitle, '-');
            text.AppendLine(EmailWording.SetAsideRunsExplanation);
            foreach (var run in digest.SetAsideRuns) text.Append("* ").AppendLine(run);
            text.AppendLine();
        }

        return Footer(text, senderName, digest.Clinic.Name);
    }

    private static void Line(StringBuilder text, string person, RequirementStatus status)
    {
        text.Append("* ").Append(person).Append(": ").Append(EmailWording.CredentialLabel(status));
        if (status.DueDate is not null) text.Append(" - due ").Append(EmailWording.FormatDueDate(status));
        text.Append(" - ").AppendLine(EmailWording.StatusText(status));
    }

    private static void Heading(StringBuilder text, string title, char underline) =>
        text.AppendLine(title).AppendLine(new string(underline, Math.Min(title.Length, 72))).AppendLine();

    private static string Footer(StringBuilder text, string senderName, string clinicName)
    {
        text.AppendLine().AppendLine("-- ")
            .Append("Sent by ").Append(senderName).Append(" for ").Append(clinicName)
            .AppendLine(". This message lists staff credentials only; it never contains patient information.");
        return text.ToString().ReplaceLineEndings("\n");
    }
}
