using System.Text;
using ComplianceBot.Application.Ports;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Email.Templates;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;

namespace ComplianceBot.Email.Calendar;

/// <summary>
/// The <c>.ics</c> a personal reminder carries: one all-day event on each listed due date, so the date lands in
/// the person's calendar. Each event's UID names the person, the credential and the due date, so the same due
/// date sent again updates the event instead of adding a second one, and a renewal's new date is a new event.
/// </summary>
internal static class ReminderCalendar
{
    public const string FileName = "renewal-dates.ics";
    public const string ContentType = "text/calendar; method=PUBLISH";

    /// <summary>The calendar file, or null when no listed item has a due date.</summary>
    public static EmailAttachment? For(PersonalReminder reminder, IReadOnlyList<PlannedItem> items)
    {
        var dated = items.Where(i => i.Status.DueDate is not null).ToList();
        if (dated.Count == 0) return null;

        var calendar = new Ical.Net.Calendar { ProductId = "-//ComplianceBot//Renewal reminders//EN" };
        calendar.AddProperty("METHOD", "PUBLISH");
        var stamp = reminder.AsOf.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        foreach (var item in dated)
        {
            var due = item.Status.DueDate!.Value;
            var label = EmailWording.CredentialLabel(item.Status);
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"{reminder.Clinic.Id}.{reminder.Recipient.EmployeeId}.{item.Status.RequirementKey.Replace('|', '-')}.{due:yyyyMMdd}@compliancebot",
                DtStamp = new CalDateTime(stamp),
                DtStart = new CalDateTime(due.Year, due.Month, due.Day),
                DtEnd = new CalDateTime(due.AddDays(1).Year, due.AddDays(1).Month, due.AddDays(1).Day),
                Summary = $"{label} due",
                Description = $"{label} at {reminder.Clinic.Name} is due on {EmailWording.FormatDate(due)}. {EmailWording.RenewalSteps(item.Status)}",
                Transparency = TransparencyType.Transparent,
            });
        }

        var text = new CalendarSerializer().SerializeToString(calendar) ?? string.Empty;
        return new EmailAttachment(FileName, ContentType, Encoding.UTF8.GetBytes(text));
    }
}
