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

/// <summary>
/// Rolling interval from the last completion, e.g. OSHA BBP: retrain within 365 days. With
/// <c>DueWithinDaysOfHire</c>, someone with no record is due that many days after hire (BBP: 0, at initial
/// assignment, so a missing record is overdue from the first day).
/// </summary>
public sealed record RollingDays(int Days, int? DueWithinDaysOfHire = null) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is { } last) return last.AddDays(Days);
        return DueWithinDaysOfHire is { } days ? context.HireDate?.AddDays(days) : null;
    }

    public override string Describe()
    {
        var rolling = string.Create(CultureInfo.InvariantCulture, $"within {Days} days of the last completion");
        return DueWithinDaysOfHire switch
        {
            null => rolling,
            0 => "at initial assignment (the hire date), then " + rolling,
            { } d => string.Create(CultureInfo.InvariantCulture, $"within {d} days of hire, then {rolling}"),
        };
    }
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
/// Expires on the holder's birthday (WA DOH, WAC 246-12): the first birthday strictly after the issue date,
/// plus <c>Years - 1</c> years. A renewal dated within <c>EarlyRenewalDays</c> before a birthday renews the
/// cycle ending on that birthday, so it runs to the birthday <c>Years</c> years later (WA accepts renewals up
/// to 90 days early). A Feb 29 birthday falls on Feb 28 in common years.
/// </summary>
public sealed record BirthdayAnchored(int Years, int EarlyRenewalDays = 0) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } issued || context.Birthday is not { } birthday) return null;
        var next = birthday.InYear(issued.Year);
        if (next <= issued) next = birthday.InYear(issued.Year + 1);

        // Filed early for the birthday ahead: that cycle is the one renewed, so the new one starts there.
        if (next.DayNumber - issued.DayNumber <= EarlyRenewalDays) next = birthday.InYear(next.Year + 1);
        return birthday.InYear(next.Year + Years - 1);
    }

    public override IReadOnlyList<string> MissingInputs(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var missing = new List<string>(2);
        if (context.IssuedOn is null) missing.Add(IssueDateInput);
        if (context.Birthday is null) missing.Add(BirthdayInput);
        return missing;
    }

    public override string Describe()
    {
        var cycle = Years == 1
            ? "on the holder's next birthday after issue"
            : string.Create(CultureInfo.InvariantCulture, $"every {Years} years on the holder's birthday");
        return EarlyRenewalDays > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{cycle}; a renewal up to {EarlyRenewalDays} days before a birthday starts the next cycle there")
            : cycle;
    }
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
/// A staged schedule from the day the person starts testing patient specimens (the hire date when that is
/// not recorded), e.g. CLIA non-waived competency (42 CFR 493.1413(b)(9), 493.1451(b)(9)): at least
/// semiannually in the first year, annually after. <see cref="ExpiryContext.IssuedOn"/> is the last assessment.
/// </summary>
/// <remarks>
/// Every assessment since testing started counts, early ones too: one inside a stage's window (after the
/// previous stage, by this one) satisfies it, and the next is due at the next stage or the stages' spacing
/// after it, whichever is sooner; after the last stage, <c>ThenEveryMonths</c> after the last assessment.
/// An assessment dated before testing started does not count. A retraining event (a method or instrument
/// change) effective after the last assessment makes one due by the event's date plus its days.
/// </remarks>
public sealed record Staged(IReadOnlyList<int> StageMonths, int ThenEveryMonths) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if ((context.TestingStartDate ?? context.HireDate) is not { } start) return null;
        if (StageMonths.Count == 0) return context.IssuedOn?.AddMonths(ThenEveryMonths) ?? start.AddMonths(ThenEveryMonths);
        if (context.IssuedOn is not { } last || last < start) return start.AddMonths(StageMonths[0]);

        DateOnly next;
        var stage = Enumerable.Range(0, StageMonths.Count).FirstOrDefault(i => last <= start.AddMonths(StageMonths[i]), -1);
        if (stage < 0 || stage == StageMonths.Count - 1)
        {
            next = last.AddMonths(ThenEveryMonths);
        }
        else
        {
            var spacing = StageMonths[stage + 1] - StageMonths[stage];
            var nextStage = start.AddMonths(StageMonths[stage + 1]);
            var afterThis = last.AddMonths(spacing);
            next = afterThis < nextStage ? afterThis : nextStage;
        }

        return Earliest(next, RetrainingDue(context, last));
    }

    public override IReadOnlyList<string> MissingInputs(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.TestingStartDate is null && context.HireDate is null ? [TestingStartInput] : [];
    }

    public override string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"at {string.Join(" and ", StageMonths)} months after the person starts testing patient specimens (the hire date when not recorded), then every {ThenEveryMonths} months, and again before reporting after a method or instrument change");

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

    internal const string TestingStartInput = "testing start date (or hire date)";
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
        return Earliest(RefresherMonths is { } months ? last.AddMonths(months) : null, RetrainingDue(context, last));
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

/// <summary>
/// Done once, with no refresher: due <c>DueWithinDaysOfHire</c> days after hire while there is no record,
/// counted in working days (Monday to Friday) when <c>WorkingDays</c> is set. E.g. the hepatitis B
/// vaccination offer: within 10 working days of initial assignment (29 CFR 1910.1030(f)(2)).
/// </summary>
public sealed record OneTime(int DueWithinDaysOfHire = 0, bool WorkingDays = false) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not null || context.HireDate is not { } hired) return null;
        return WorkingDays ? Dates.AddWorkingDays(hired, DueWithinDaysOfHire) : hired.AddDays(DueWithinDaysOfHire);
    }

    // Once done, "no further due date" is the answer, not a gap in the data.
    public override IReadOnlyList<string> MissingInputs(ExpiryContext context) => [];

    public override string Describe() => DueWithinDaysOfHire == 0
        ? "once, at hire; no refresher"
        : string.Create(CultureInfo.InvariantCulture, $"once, within {DueWithinDaysOfHire} {(WorkingDays ? "working days" : "days")} of hire; no refresher");
}

/// <summary>
/// No date can be computed: the expiry printed on the licence or registration is the only source (state
/// licences, board certifications, DEA registrations). A record without one asks for a date check.
/// </summary>
/// <param name="TypicalMonths">The usual term, shown to users only (DEA: 36); never used to compute a date.</param>
public sealed record PrintedDate(int? TypicalMonths = null) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context) => null;

    // The printed date is not part of the context: when it is there, the evaluator never needs this answer.
    public override IReadOnlyList<string> MissingInputs(ExpiryContext context) => [PrintedDateInput];

    public override string Describe() => TypicalMonths is { } months
        ? string.Create(CultureInfo.InvariantCulture, $"the expiry date printed on it (terms are usually {months} months)")
        : "the expiry date printed on it";
}

/// <summary>
/// Due by the end of the certification's anniversary month, <c>Months</c> after the anniversary the last
/// payment covered (AMT: "fees are due in the anniversary month"; CCP points every 36 months). The month comes
/// from <see cref="ExpiryContext.CertifiedOn"/> (the issue date when not recorded), so a payment made a few weeks
/// early or late does not move it. A payment up to <c>EarlyMonths</c> before an anniversary month's end covers
/// that anniversary; one made later than that covers the anniversary before it (paid late).
/// </summary>
public sealed record AnniversaryMonth(int Months = 12, int EarlyMonths = 6) : ExpiryRule
{
    public override DateOnly? ComputeDueDate(ExpiryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IssuedOn is not { } paid) return null;
        var month = (context.CertifiedOn ?? paid).Month;
        var anniversary = Dates.EndOfMonth(paid.Year, month);
        if (anniversary < paid) anniversary = Dates.EndOfMonth(paid.Year + 1, month);
        if (paid.AddMonths(EarlyMonths) < anniversary) anniversary = Dates.EndOfMonth(anniversary.Year - 1, month);
        var due = anniversary.AddMonths(Months);
        return Dates.EndOfMonth(due.Year, due.Month);
    }

    public override string Describe() => Months == 12
        ? "yearly, by the end of the certification's anniversary month"
        : string.Create(CultureInfo.InvariantCulture, $"every {Months} months, by the end of the certification's anniversary month");
}

internal static class Dates
{
    /// <summary><paramref name="date"/> plus <paramref name="days"/> days, counting Monday to Friday only.</summary>
    public static DateOnly AddWorkingDays(DateOnly date, int days)
    {
        var result = date;
        for (var added = 0; added < days;)
        {
            result = result.AddDays(1);
            if (result.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) added++;
        }

        return result;
    }

    public static DateOnly EndOfMonth(int year, int month) => new(year, month, DateTime.DaysInMonth(year, month));

    public static string MonthName(int month) =>
        CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month);
}
