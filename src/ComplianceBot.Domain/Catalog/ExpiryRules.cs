using System.Globalization;

namespace ComplianceBot.Domain.Catalog;

// The closed set of expiry rules. Each cites the pattern in reference/credential-rules.md (A.13) it models.

/// <summary>
/// N months counted to the end of a month: AHA cards run "two years through the end of the month of
/// issue" (issued 2024-03-05 -> 2026-03-31); AAMA's CMA runs 60 months from the end of the month of
/// certification (Feb 2010 -> 2015-02-28).
/// </summary>
public sealed record MonthsToEndOfMonth(int Months) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } issued) return null;
        var month = issued.AddMonths(Months);
        return Dates.EndOfMonth(month.Year, month.Month);
    }

    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Months} months, to the end of the month of issue");
}

/// <summary>Rolling interval from the last completion, e.g. OSHA BBP: retrain within 365 days.</summary>
public sealed record RollingDays(int Days) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.IssuedOn?.AddDays(Days);
    }

    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"within {Days} days of the last completion");
}

/// <summary>
/// N months to the exact day, clamped to the end of a shorter month (2024-02-29 + 24 months =
/// 2026-02-28). With 12 months it is "annual on the anniversary" (AMT dues).
/// </summary>
public sealed record ExactMonths(int Months) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.IssuedOn?.AddMonths(Months);
    }

    public override string Describe() => Months == 12
        ? "yearly, on the anniversary of the issue date"
        : string.Create(CultureInfo.InvariantCulture, $"{Months} months from the issue date, to the day");
}

/// <summary>
/// Expires on the holder's birthday (WA DOH): the first birthday strictly after the issue date, plus
/// <c>Years - 1</c> years. A Feb 29 birthday falls on Feb 28 in common years.
/// </summary>
public sealed record BirthdayAnchored(int Years) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } issued || context.Birthday is not { } birthday) return null;
        var first = birthday.InYear(issued.Year);
        var firstYear = first > issued ? issued.Year : issued.Year + 1;
        return birthday.InYear(firstYear + Years - 1);
    }

    public override IReadOnlyList<string> MissingInputs(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var missing = new List<string>(2);
        if (context.IssuedOn is null) missing.Add(IssueDateInput);
        if (context.Birthday is null) missing.Add(BirthdayInput);
        return missing;
    }

    public override string Describe() => Years == 1
        ? "on the holder's next birthday after issue"
        : string.Create(CultureInfo.InvariantCulture, $"on the holder's birthday, {Years} years after issue");
}

/// <summary>
/// A fixed cycle independent of the person, e.g. North Dakota limited X-ray: 1 Jan of an even year to
/// 31 Dec of the next odd year (<c>Years = 2, AnchorYear = 2024</c>). Due on 31 Dec of the last year of
/// the cycle that contains the issue date.
/// </summary>
public sealed record FixedCalendarCycle(int Years, int AnchorYear) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } issued) return null;
        var cycle = Math.Max(1, Years);
        var start = AnchorYear + (cycle * (int)Math.Floor((issued.Year - AnchorYear) / (double)cycle));
        return new DateOnly(start + cycle - 1, 12, 31);
    }

    public override string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Years}-year calendar cycle (cycles start 1 Jan {AnchorYear}, {AnchorYear + Years}, ...), due 31 Dec of the cycle's last year");
}

/// <summary>
/// A staged schedule from the start of patient testing (the hire date), e.g. CLIA non-waived
/// competency: at 6 and 12 months, then every 12 months after the last assessment.
/// <see cref="ExpiryContext.IssuedOn"/> is the last assessment.
/// </summary>
public sealed record Staged(IReadOnlyList<int> StageMonths, int ThenEveryMonths) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.HireDate is not { } start) return null;
        foreach (var months in StageMonths)
        {
            var stageDue = start.AddMonths(months);
            // An assessment before this stage's date (e.g. the training record) does not satisfy it.
            if (context.IssuedOn is not { } last || last < stageDue) return stageDue;
        }

        return context.IssuedOn?.AddMonths(ThenEveryMonths) ?? start.AddMonths(ThenEveryMonths);
    }

    public override IReadOnlyList<string> MissingInputs(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.HireDate is null ? [HireDateInput] : [];
    }

    public override string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"at {string.Join(" and ", StageMonths)} months after start of testing, then every {ThenEveryMonths} months");

    // Records compare lists by reference; compare the stages by value so catalog round trips are equal.
    public bool Equals(Staged? other) =>
        other is not null && ThenEveryMonths == other.ThenEveryMonths && StageMonths.SequenceEqual(other.StageMonths);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ThenEveryMonths);
        foreach (var m in StageMonths) hash.Add(m);
        return hash.ToHashCode();
    }
}

/// <summary>
/// Seasonal vaccine deadline: a dose given on day d belongs to the season starting in
/// <c>SeasonStartMonth</c> of year y (y = d.Year, or d.Year - 1 before the start month); the next dose
/// is due by <c>DeadlineMonth/DeadlineDay</c> of y + 1. Practice default: Aug 1 start, Nov 30 deadline.
/// </summary>
public sealed record SeasonDeadline(int SeasonStartMonth = 8, int DeadlineMonth = 11, int DeadlineDay = 30) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } dose) return null;
        var season = dose.Month >= SeasonStartMonth ? dose.Year : dose.Year - 1;
        var year = season + 1;
        return new DateOnly(year, DeadlineMonth, Math.Min(DeadlineDay, DateTime.DaysInMonth(year, DeadlineMonth)));
    }

    public override string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"once per season (season starts {Dates.MonthName(SeasonStartMonth)} 1), next dose by {Dates.MonthName(DeadlineMonth)} {DeadlineDay}");
}

/// <summary>
/// Training owed because something happened: within <c>DueWithinDaysOfHire</c> days of hire when never
/// done, then an optional periodic refresher (<c>RefresherMonths</c>; null = none), and again within an
/// event's <see cref="Model.RetrainingEvent.DueWithinDays"/> of any retraining event effective after the
/// last completion (HIPAA material policy change, HazCom new hazard).
/// </summary>
public sealed record EventDriven(int DueWithinDaysOfHire = 30, int? RefresherMonths = null) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } last) return context.HireDate?.AddDays(DueWithinDaysOfHire);

        DateOnly? due = RefresherMonths is { } months ? last.AddMonths(months) : null;
        foreach (var e in context.Events)
        {
            if (context.CredentialCode is { } code && !string.Equals(e.CredentialCode, code, StringComparison.OrdinalIgnoreCase)) continue;
            if (e.EffectiveOn <= last) continue;
            var eventDue = e.EffectiveOn.AddDays(e.DueWithinDays);
            if (due is null || eventDue < due) due = eventDue;
        }

        return due;
    }

    public override IReadOnlyList<string> MissingInputs(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.IssuedOn is null && context.HireDate is null ? [HireDateInput] : [];
    }

    public override string Describe()
    {
        var initial = DueWithinDaysOfHire == 0
            ? "at hire"
            : string.Create(CultureInfo.InvariantCulture, $"within {DueWithinDaysOfHire} days of hire");
        var refresher = RefresherMonths switch
        {
            null => "no periodic refresher",
            12 => "then yearly",
            { } m => string.Create(CultureInfo.InvariantCulture, $"then every {m} months"),
        };
        return $"{initial}, {refresher}, and again after a retraining event";
    }
}

internal static class Dates
{
    public static DateOnly EndOfMonth(int year, int month) => new(year, month, DateTime.DaysInMonth(year, month));

    public static string MonthName(int month) =>
        CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month);
}
