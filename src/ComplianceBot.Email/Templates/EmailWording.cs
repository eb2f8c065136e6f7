using System.Globalization;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Email.Templates;

/// <summary>
/// Wording shared by the HTML and plain-text templates, so both say exactly the same thing.
/// Dates are written the US way in English whatever the machine's culture.
/// </summary>
public static class EmailWording
{
    private static readonly CultureInfo UsEnglish = CultureInfo.GetCultureInfo("en-US");

    /// <summary>"March 31, 2026".</summary>
    public const string RenewalLinkText = "I've renewed: update my record";

    public const string RenewalLinkIntro =
        "Enter the new date and upload a photo or PDF of the card or certificate. Your office manager checks it, and the reminders for that item stop.";

    public const string RejectionAgain = "Please send it again with the right date or a clearer photo of the card or certificate.";

    public static string RejectionIntro(string credential) =>
        $"The {credential} renewal you sent could not be accepted yet, so your record still shows the old date and your reminders continue.";

    public const string CalendarNote = "The attached calendar file (.ics) puts each due date in your calendar.";

    /// <summary>Says the link is personal and until when it works.</summary>
    public static string RenewalLinkNote(DateOnly? expires) =>
        "This link is personal: it opens only your own record. Do not forward it."
        + (expires is { } date ? $" It works until {FormatDate(date)}; after that, the next reminder brings a new one." : string.Empty);

    public static string FormatDate(DateOnly date) => date.ToString("MMMM d, yyyy", UsEnglish);

    public const string SetAsideRunsTitle = "Runs that failed and were set aside";

    public const string SetAsideRunsExplanation =
        "These runs of ComplianceBot for this clinic failed every attempt, so reminders planned by them may not have gone out. "
        + "Ask your administrator to look at them (`compliancebot runs --failed`).";

    /// <summary>The reminder's opening sentence; the order is mentioned only when there is more than one item.</summary>
    public static string ReminderIntro(DateOnly asOf, int items) => items == 1
        ? $"As of {FormatDate(asOf)}, one of your credentials needs attention."
        : $"As of {FormatDate(asOf)}, {items} of your credentials need attention. They are listed soonest first.";

    /// <summary>The escalation's opening sentence; the order is mentioned only when there is more than one item.</summary>
    public static string EscalationIntro(DateOnly asOf, int items, int people) => items == 1
        ? $"As of {FormatDate(asOf)}, 1 credential of 1 person is overdue or missing."
        : $"As of {FormatDate(asOf)}, {Plural(items, "credential", "credentials")} of {Plural(people, "person", "people")} are overdue or missing. Most overdue first.";

    /// <summary>The due date, or a phrase when there is none.</summary>
    public static string FormatDueDate(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.DueDate is { } due ? FormatDate(due) : status.State == ComplianceState.Missing ? "not on file" : "no date on file";
    }

    /// <summary>The requirement's name, marked "(practice policy)" when the catalog rule is a practice default.</summary>
    public static string CredentialLabel(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var name = status.Credential?.Name is { Length: > 0 } credentialName && status.State != ComplianceState.Missing
            ? credentialName
            : status.Requirement;
        return status.Credential?.Basis == RuleBasis.PracticeDefault ? name + " (practice policy)" : name;
    }

    /// <summary>"7 days left", "due today", "3 days overdue", "missing: no record on file".</summary>
    public static string StatusText(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.State == ComplianceState.Missing) return "missing: no record on file";
        return status.DaysLeft switch
        {
            null when status.State == ComplianceState.NeedsDateCheck => "date needs checking",
            null => "current",
            < 0 and var days => Days(-days) + " overdue",
            0 => "due today",
            var days => Days(days.Value) + " left",
        };
    }

    /// <summary>True when the line should stand out as urgent (overdue, due today or missing).</summary>
    public static bool IsUrgent(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.State is ComplianceState.Expired or ComplianceState.DueToday or ComplianceState.Missing || status.DaysLeft <= 0;
    }

    /// <summary>What renewal takes, from the catalog.</summary>
    public static string RenewalSteps(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Credential?.RenewalSteps is { Length: > 0 } steps
            ? steps
            : "Get this credential and give a copy of the card or certificate to your office manager.";
    }

    /// <summary>
    /// The lapse-window warning: the planner's advice once expired, or, before expiry, what happens if
    /// the credential lapses. Null when the catalog has no lapse window.
    /// </summary>
    public static string? LapseWarning(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!string.IsNullOrWhiteSpace(status.LapseAdvice)) return status.LapseAdvice;
        if (status.Credential?.Lapse is { } lapse && status.DaysLeft >= 0)
        {
            return $"If it lapses, within {Days(lapse.Days)} after expiry: {lapse.InsideWindow} After that: {lapse.AfterWindow}";
        }

        return null;
    }

    /// <summary>Note shown when the printed and computed dates disagree.</summary>
    public const string DateCheckNote = "The date on file and the date the issuer's rule gives disagree by more than a month. Please check the card or certificate.";

    /// <summary>Soonest first: missing items, then by days left (most overdue first), then by name.</summary>
    public static IReadOnlyList<T> SoonestFirst<T>(IEnumerable<T> items, Func<T, RequirementStatus> status, Func<T, string>? tieBreak = null) =>
        items.OrderBy(i => status(i).State == ComplianceState.Missing ? 0 : 1)
            .ThenBy(i => status(i).DaysLeft ?? int.MaxValue)
            .ThenBy(i => tieBreak?.Invoke(i) ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(i => CredentialLabel(status(i)), StringComparer.Ordinal)
            .ToList();

    /// <summary>Heading of a digest section.</summary>
    public static string SectionTitle(DigestSection section) => section switch
    {
        DigestSection.Expired => "Expired",
        DigestSection.DueToday => "Due today",
        DigestSection.ExpiringWithin30Days => "Expiring within 30 days",
        DigestSection.ExpiringWithin60Days => "Expiring in 31 to 60 days",
        DigestSection.ExpiringWithin90Days => "Expiring in 61 to 90 days",
        DigestSection.Missing => "Missing",
        DigestSection.NeedsDateCheck => "Dates that need checking",
        DigestSection.AwaitingVerification => "Awaiting verification",
        DigestSection.RecentlyRenewed => "Recently renewed",
        _ => section.ToString(),
    };

    /// <summary>Digest sections worst first (the enum's order).</summary>
    public static IReadOnlyList<DigestSection> SectionsWorstFirst { get; } = Enum.GetValues<DigestSection>().Order().ToList();

    /// <summary>The digest's heading for placeholder dates.</summary>
    public const string DatesToCorrectTitle = "Dates to correct";

    /// <summary>Why the placeholder dates are listed and what to do about them.</summary>
    public static string DatesToCorrectIntro { get; } =
        $"These dates are outside {FormatDate(PlausibleDates.First)} to {FormatDate(PlausibleDates.Last)}, so they look like placeholders (such as 12/31/9999 for \"none\"). "
        + "Each is read as no date: the item shows as missing and its reminders go out as for a missing item. Please correct the date on the roster or the training record and upload it again.";

    /// <summary>What one placeholder date is, in words: "BLS printed expiry date: January 1, 0001".</summary>
    public static string DateToCorrect(ImplausibleDate date)
    {
        ArgumentNullException.ThrowIfNull(date);
        var field = date.Field switch
        {
            "hire_date" => "hire date",
            "testing_start_date" => "testing start date",
            "issued_on" => "issue or completion date",
            "expires_on" => "printed expiry date",
            "certified_on" => "certification date",
            _ => date.Field,
        };
        return (date.CredentialCode is null ? field : $"{date.CredentialCode} {field}") + ": " + FormatDate(date.Value);
    }

    /// <summary>"1 day", "7 days".</summary>
    public static string Days(int count) => count == 1 ? "1 day" : count.ToString(CultureInfo.InvariantCulture) + " days";

    /// <summary>"1 credential", "3 credentials".</summary>
    public static string Plural(int count, string singular, string plural) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? singular : plural);
}
