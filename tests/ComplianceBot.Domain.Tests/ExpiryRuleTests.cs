using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using static ComplianceBot.Domain.Tests.TestDates;

namespace ComplianceBot.Domain.Tests;

public class MonthsToEndOfMonthTests
{
    [Theory]
    [InlineData(24, "2024-03-05", "2026-03-31")] // AHA example
    [InlineData(24, "2024-03-31", "2026-03-31")]
    [InlineData(24, "2024-02-29", "2026-02-28")] // leap issue, common-year expiry
    [InlineData(24, "2022-02-01", "2024-02-29")] // common issue, leap-year expiry
    [InlineData(24, "2024-12-31", "2026-12-31")]
    [InlineData(24, "2025-01-01", "2027-01-31")]
    [InlineData(1, "2024-12-15", "2025-01-31")] // Dec -> Jan across the year
    [InlineData(60, "2010-02-10", "2015-02-28")] // AAMA example: Feb 2010 -> end of Feb 2015
    [InlineData(60, "2019-02-01", "2024-02-29")]
    public void ReturnsEndOfMonthWhenIssued(int months, string issued, string expected)
    {
        var due = new MonthsToEndOfMonth(months).ComputeDueDate(ExpiryContext.Issued(D(issued)));
        Assert.Equal(D(expected), due);
    }

    [Fact]
    public void ReturnsNullWhenNoIssueDate()
    {
        var rule = new MonthsToEndOfMonth(24);
        Assert.Null(rule.ComputeDueDate(ExpiryContext.Issued(null)));
        Assert.Equal(["issue date"], rule.MissingInputs(ExpiryContext.Issued(null)));
    }
}

public class RollingDaysTests
{
    [Theory]
    [InlineData(365, "2024-03-01", "2025-03-01")]
    [InlineData(365, "2024-01-15", "2025-01-14")] // the span holds Feb 29 2024
    [InlineData(365, "2023-03-01", "2024-02-29")] // lands on a leap day
    [InlineData(365, "2024-02-29", "2025-02-28")]
    [InlineData(365, "2024-12-31", "2025-12-31")]
    [InlineData(1, "2025-12-31", "2026-01-01")]
    public void AddsDaysWhenIssued(int days, string issued, string expected)
    {
        Assert.Equal(D(expected), new RollingDays(days).ComputeDueDate(ExpiryContext.Issued(D(issued))));
    }

    [Fact]
    public void IsDueAtInitialAssignmentWhenThereIsNoRecord() =>
        Assert.Equal(D("2026-03-02"), new RollingDays(365, DueWithinDaysOfHire: 0).ComputeDueDate(new ExpiryContext(null, D("2026-03-02"), null, [])));

    [Fact]
    public void CountsFromTheLastCompletionOnceThereIsOne() =>
        Assert.Equal(D("2027-03-10"), new RollingDays(365, DueWithinDaysOfHire: 0).ComputeDueDate(new ExpiryContext(D("2026-03-10"), D("2026-03-02"), null, [])));

    [Fact]
    public void ReturnsNullWhenNoIssueDate() =>
        Assert.Null(new RollingDays(365).ComputeDueDate(ExpiryContext.Issued(null)));
}

public class ExactMonthsTests
{
    [Theory]
    [InlineData(24, "2024-02-29", "2026-02-28")] // clamped to the month end
    [InlineData(48, "2024-02-29", "2028-02-29")]
    [InlineData(24, "2024-03-31", "2026-03-31")]
    [InlineData(24, "2023-12-31", "2025-12-31")]
    [InlineData(6, "2024-08-31", "2025-02-28")]
    [InlineData(1, "2025-12-15", "2026-01-15")] // Dec -> Jan
    [InlineData(12, "2006-05-01", "2007-05-01")] // yearly, on the anniversary day
    [InlineData(36, "2023-01-31", "2026-01-31")]
    public void AddsMonthsToTheDayWhenIssued(int months, string issued, string expected)
    {
        Assert.Equal(D(expected), new ExactMonths(months).ComputeDueDate(ExpiryContext.Issued(D(issued))));
    }
}

public class BirthdayAnchoredTests
{
    [Theory]
    [InlineData(1, "2024-03-05", "06-15", "2024-06-15")]
    [InlineData(1, "2024-06-14", "06-15", "2024-06-15")]
    [InlineData(1, "2024-06-15", "06-15", "2025-06-15")] // strictly after the issue date
    [InlineData(1, "2024-12-31", "01-01", "2025-01-01")] // Dec -> Jan
    [InlineData(1, "2025-02-27", "02-29", "2025-02-28")] // leap birthday in a common year
    [InlineData(1, "2025-02-28", "02-29", "2026-02-28")]
    [InlineData(1, "2027-03-01", "02-29", "2028-02-29")]
    [InlineData(1, "2024-02-28", "02-29", "2024-02-29")]
    [InlineData(2, "2024-03-05", "06-15", "2025-06-15")]
    [InlineData(2, "2023-03-01", "02-29", "2025-02-28")]
    [InlineData(4, "2025-01-10", "02-29", "2028-02-29")]
    public void ReturnsBirthdayWhenBirthdayKnown(int years, string issued, string birthday, string expected)
    {
        Assert.True(MonthDay.TryParse(birthday, out var bday));
        var context = new ExpiryContext(D(issued), null, bday, []);
        Assert.Equal(D(expected), new BirthdayAnchored(years).ComputeDueDate(context));
    }

    [Theory]
    [InlineData("2026-05-01", "06-15", "2028-06-15")] // renewed 45 days early: the next cycle
    [InlineData("2026-03-17", "06-15", "2028-06-15")] // 90 days early, the first day WA accepts it
    [InlineData("2026-03-16", "06-15", "2027-06-15")] // 91 days before: not a renewal of that birthday
    [InlineData("2026-06-15", "06-15", "2028-06-15")] // on the birthday
    [InlineData("2026-06-20", "06-15", "2028-06-15")] // late: the cycle stays on the birthday
    [InlineData("2025-12-31", "01-01", "2028-01-01")] // Dec -> Jan
    [InlineData("2027-01-15", "02-29", "2029-02-28")] // Feb 29 birthday, renewed early in a common year
    [InlineData("2027-12-01", "02-29", "2030-02-28")] // 90 days before Feb 29, 2028
    [InlineData("2028-02-29", "02-29", "2030-02-28")]
    [InlineData("2028-02-28", "02-29", "2030-02-28")] // the day before a leap birthday
    public void MovesARenewalInsideTheEarlyWindowToTheNextCycleForWashingtonMaC(string issued, string birthday, string expected)
    {
        Assert.True(MonthDay.TryParse(birthday, out var bday));
        var context = new ExpiryContext(D(issued), null, bday, []);
        Assert.Equal(D(expected), new BirthdayAnchored(2, EarlyRenewalDays: 90).ComputeDueDate(context));
    }

    [Fact]
    public void ReturnsNullAndNamesBirthdayWhenBirthdayUnknown()
    {
        var context = new ExpiryContext(D("2024-03-05"), null, null, []);
        var rule = new BirthdayAnchored(1);
        Assert.Null(rule.ComputeDueDate(context));
        Assert.Equal(["birthday"], rule.MissingInputs(context));
    }
}

public class FixedCalendarCycleTests
{
    [Theory]
    [InlineData(2, 2024, "2024-01-01", "2025-12-31")] // ND: even year to odd year
    [InlineData(2, 2024, "2025-12-31", "2025-12-31")]
    [InlineData(2, 2024, "2026-01-01", "2027-12-31")]
    [InlineData(2, 2024, "2024-02-29", "2025-12-31")]
    [InlineData(2, 2024, "2023-06-30", "2023-12-31")] // before the anchor: cycle 2022-2023
    [InlineData(2, 2024, "2020-02-29", "2021-12-31")]
    [InlineData(3, 2024, "2026-12-31", "2026-12-31")]
    [InlineData(3, 2024, "2027-01-01", "2029-12-31")]
    [InlineData(3, 2024, "2023-05-05", "2023-12-31")] // cycle 2021-2023
    public void ReturnsEndOfCycleWhenIssued(int years, int anchorYear, string issued, string expected)
    {
        var due = new FixedCalendarCycle(years, anchorYear).ComputeDueDate(ExpiryContext.Issued(D(issued)));
        Assert.Equal(D(expected), due);
    }
}

public class StagedTests
{
    private static readonly Staged Clia = new([6, 12], 12);

    [Theory]
    [InlineData("2024-01-15", null, "2024-07-15")] // no assessment yet
    [InlineData("2024-01-15", "2024-01-10", "2024-07-15")] // dated before testing started: does not count
    [InlineData("2024-01-15", "2024-06-01", "2024-12-01")] // first one early: the next 6 months after it
    [InlineData("2024-01-15", "2024-07-14", "2025-01-14")] // a day early counts
    [InlineData("2024-01-15", "2024-07-15", "2025-01-15")] // first stage done on the day
    [InlineData("2024-01-15", "2024-12-20", "2025-12-20")] // the first year's second one, early: then yearly
    [InlineData("2024-01-15", "2024-08-01", "2025-08-01")]
    [InlineData("2024-01-15", "2025-01-15", "2026-01-15")] // then yearly after the last
    [InlineData("2024-01-15", "2025-02-01", "2026-02-01")]
    [InlineData("2023-08-31", null, "2024-02-29")] // month-end start, leap Feb
    [InlineData("2023-08-31", "2024-02-29", "2024-08-29")]
    [InlineData("2024-02-29", null, "2024-08-29")]
    [InlineData("2024-02-29", "2024-09-01", "2025-09-01")]
    [InlineData("2024-02-29", "2025-03-01", "2026-03-01")]
    [InlineData("2024-07-01", "2024-12-31", "2025-06-30")] // Dec assessment, the next 6 months on
    public void ReturnsNextStageWhenHireDateKnown(string hired, string? lastAssessment, string expected)
    {
        var context = new ExpiryContext(OrNull(lastAssessment), D(hired), null, []);
        Assert.Equal(D(expected), Clia.ComputeDueDate(context));
    }

    [Theory]
    [InlineData(null, "2025-01-15")] // testing starts six months after hire: the first stage is six months after that
    [InlineData("2024-03-01", "2025-01-15")] // an assessment before testing started does not count
    [InlineData("2024-08-01", "2025-02-01")]
    [InlineData("2025-07-15", "2026-07-15")] // the first year ends a year after testing started, not after hire
    public void CountsFromTheTestingStartDateWhenRecorded(string? lastAssessment, string expected)
    {
        var context = new ExpiryContext(OrNull(lastAssessment), D("2024-01-15"), null, [], TestingStartDate: D("2024-07-15"));
        Assert.Equal(D(expected), Clia.ComputeDueDate(context));
    }

    [Theory]
    [InlineData("CLIA_COMPETENCY@2024-09-10+0", "2024-09-10")] // re-assessed before reporting after the change
    [InlineData("CLIA_COMPETENCY@2024-07-01+0", "2025-01-15")] // the change predates the last assessment
    [InlineData("OSHA_HAZCOM@2024-09-10+0", "2025-01-15")]
    public void BringsTheDateForwardAfterAMethodOrInstrumentChange(string events, string expected)
    {
        var context = new ExpiryContext(D("2024-07-15"), D("2024-01-15"), null, EventDrivenTests.ParseEvents(events), "CLIA_COMPETENCY");
        Assert.Equal(D(expected), Clia.ComputeDueDate(context));
    }

    [Fact]
    public void ReturnsNullAndNamesTheStartWhenNeitherTestingStartNorHireDateIsKnown()
    {
        var context = new ExpiryContext(D("2024-07-15"), null, null, []);
        Assert.Null(Clia.ComputeDueDate(context));
        Assert.Equal(["testing start date (or hire date)"], Clia.MissingInputs(context));
    }

    [Fact]
    public void EqualsWhenStagesHaveSameValues() =>
        Assert.Equal(Clia, new Staged(new List<int> { 6, 12 }, 12));
}

public class AnniversaryMonthTests
{
    [Theory]
    [InlineData(12, null, "2006-05-01", "2007-05-31")] // AMT: certified May 2006, dues in May 2007
    [InlineData(12, "2006-05-01", "2027-04-10", "2028-05-31")] // paid early: the month stays May
    [InlineData(12, "2006-05-01", "2027-05-15", "2028-05-31")]
    [InlineData(12, "2006-05-01", "2027-05-31", "2028-05-31")]
    [InlineData(12, "2006-05-01", "2027-06-10", "2028-05-31")] // paid late for May 2027
    [InlineData(12, "2006-05-01", "2027-11-30", "2028-05-31")]
    [InlineData(12, "2006-02-10", "2027-02-01", "2028-02-29")] // leap-year month end
    [InlineData(12, "2006-12-01", "2027-01-05", "2027-12-31")] // Dec anniversary paid in Jan
    [InlineData(36, "2006-05-01", "2027-04-10", "2030-05-31")] // CCP cycle
    public void StaysInTheCertificationsAnniversaryMonth(int months, string? certified, string paid, string expected)
    {
        var context = new ExpiryContext(D(paid), null, null, [], CertifiedOn: OrNull(certified));
        Assert.Equal(D(expected), new AnniversaryMonth(months).ComputeDueDate(context));
    }

    [Fact]
    public void ReturnsNullWhenNoIssueDate() =>
        Assert.Null(new AnniversaryMonth().ComputeDueDate(new ExpiryContext(null, null, null, [], CertifiedOn: D("2006-05-01"))));
}

public class OneTimeTests
{
    [Theory]
    [InlineData("2026-03-02", 10, true, "2026-03-16")] // Monday + 10 working days
    [InlineData("2026-03-06", 10, true, "2026-03-20")] // Friday
    [InlineData("2026-03-07", 10, true, "2026-03-20")] // hired on a Saturday
    [InlineData("2026-12-24", 10, true, "2027-01-07")] // across the year
    [InlineData("2026-03-02", 0, false, "2026-03-02")]
    public void IsDueAfterHireWhileThereIsNoRecord(string hired, int days, bool workingDays, string expected) =>
        Assert.Equal(D(expected), new OneTime(days, workingDays).ComputeDueDate(new ExpiryContext(null, D(hired), null, [])));

    [Fact]
    public void HasNoFurtherDueDateOnceDone()
    {
        var rule = new OneTime(10, WorkingDays: true);
        var context = new ExpiryContext(D("2026-03-10"), D("2026-03-02"), null, []);
        Assert.Null(rule.ComputeDueDate(context));
        Assert.Empty(rule.MissingInputs(context));
    }
}

public class PrintedDateTests
{
    [Fact]
    public void ComputesNothingAndAsksForThePrintedDate()
    {
        var rule = new PrintedDate(36);
        var context = ExpiryContext.Issued(D("2025-04-01"));
        Assert.Null(rule.ComputeDueDate(context));
        Assert.Equal(["printed expiry date"], rule.MissingInputs(context));
    }
}

public class SeasonDeadlineTests
{
    [Theory]
    [InlineData(8, 11, 30, "2024-10-01", "2025-11-30")]
    [InlineData(8, 11, 30, "2024-08-01", "2025-11-30")] // first day of the season
    [InlineData(8, 11, 30, "2024-07-31", "2024-11-30")] // last day of the previous season
    [InlineData(8, 11, 30, "2024-12-31", "2025-11-30")]
    [InlineData(8, 11, 30, "2025-01-01", "2025-11-30")] // Dec -> Jan stays in the season
    [InlineData(8, 11, 30, "2024-02-29", "2024-11-30")]
    [InlineData(9, 2, 29, "2024-09-01", "2025-02-28")] // deadline day clamped in a common year
    [InlineData(9, 2, 29, "2023-10-01", "2024-02-29")]
    [InlineData(1, 12, 31, "2025-01-01", "2026-12-31")]
    public void ReturnsNextSeasonDeadlineWhenDosed(int start, int month, int day, string dose, string expected)
    {
        var due = new SeasonDeadline(start, month, day).ComputeDueDate(ExpiryContext.Issued(D(dose)));
        Assert.Equal(D(expected), due);
    }
}

public class EventDrivenTests
{
    [Theory]
    [InlineData(30, 12, null, "2024-01-15", "", "2024-02-14")] // never done: hire + 30
    [InlineData(30, 12, null, "2024-02-10", "", "2024-03-11")] // through Feb 29
    [InlineData(0, 12, null, "2025-12-31", "", "2025-12-31")] // HazCom: at hire
    [InlineData(30, 12, "2024-02-29", "2024-01-15", "", "2025-02-28")] // yearly refresher
    [InlineData(30, null, "2024-02-29", "2024-01-15", "", null)] // refresher switched off
    [InlineData(30, 12, null, null, "", null)] // never done, hire date unknown
    [InlineData(30, 12, "2024-03-01", null, "HIPAA@2024-06-01+30", "2024-07-01")] // policy change
    [InlineData(30, 12, "2024-03-01", null, "HIPAA@2024-02-01+30", "2025-03-01")] // event before the training
    [InlineData(30, 12, "2024-03-01", null, "HIPAA@2024-03-01+30", "2025-03-01")] // same day counts as trained
    [InlineData(30, 12, "2024-03-01", null, "HIPAA@2025-02-20+30", "2025-03-01")] // refresher comes first
    [InlineData(30, 12, "2024-03-01", null, "HIPAA@2024-09-01+30;HIPAA@2024-06-01+60", "2024-07-31")]
    [InlineData(30, 12, "2024-03-01", null, "OSHA_HAZCOM@2024-06-01+30", "2025-03-01")] // other credential
    [InlineData(0, null, "2024-01-01", null, "HIPAA@2024-12-20+14", "2025-01-03")] // Dec -> Jan
    public void ReturnsDueDateWhenContextGiven(
        int withinDays, int? refresherMonths, string? issued, string? hired, string events, string? expected)
    {
        var context = new ExpiryContext(OrNull(issued), OrNull(hired), null, ParseEvents(events), "HIPAA");
        Assert.Equal(OrNull(expected), new EventDriven(withinDays, refresherMonths).ComputeDueDate(context));
    }

    [Fact]
    public void NamesHireDateWhenNeitherRecordNorHireDate()
    {
        var rule = new EventDriven(30, 12);
        Assert.Equal(["hire date"], rule.MissingInputs(new ExpiryContext(null, null, null, [])));
        Assert.Empty(rule.MissingInputs(new ExpiryContext(D("2024-01-01"), null, null, [])));
    }

    internal static List<RetrainingEvent> ParseEvents(string text) => text
        .Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(e =>
        {
            var code = e[..e.IndexOf('@', StringComparison.Ordinal)];
            var date = e[(code.Length + 1)..e.IndexOf('+', StringComparison.Ordinal)];
            var days = int.Parse(e[(e.IndexOf('+', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            return new RetrainingEvent(code, D(date), days, "test event");
        })
        .ToList();
}

public class ExpiryRuleDescriptionTests
{
    [Theory]
    [InlineData("MonthsToEndOfMonth", "24 months, to the end of the month of issue")]
    [InlineData("RollingDays", "within 365 days of the last completion")]
    [InlineData("ExactMonths", "24 months from the issue date, to the day")]
    [InlineData("EventDriven", "within 30 days of hire, then yearly, and again after a retraining event")]
    [InlineData("SeasonDeadline", "once per season (season starts August 1), next dose by November 30")]
    [InlineData("RollingDaysFromHire", "at initial assignment (the hire date), then within 365 days of the last completion")]
    [InlineData("BirthdayAnchored", "every 2 years on the holder's birthday; a renewal up to 90 days before a birthday starts the next cycle there")]
    [InlineData("OneTime", "once, within 10 working days of hire; no refresher")]
    [InlineData("PrintedDate", "the expiry date printed on it (terms are usually 36 months)")]
    [InlineData("AnniversaryMonth", "yearly, by the end of the certification's anniversary month")]
    public void DescribesRuleWhenAsked(string kind, string expected)
    {
        ExpiryRule rule = kind switch
        {
            "MonthsToEndOfMonth" => new MonthsToEndOfMonth(24),
            "RollingDays" => new RollingDays(365),
            "RollingDaysFromHire" => new RollingDays(365, 0),
            "BirthdayAnchored" => new BirthdayAnchored(2, 90),
            "OneTime" => new OneTime(10, true),
            "PrintedDate" => new PrintedDate(36),
            "AnniversaryMonth" => new AnniversaryMonth(),
            "ExactMonths" => new ExactMonths(24),
            "EventDriven" => new EventDriven(30, 12),
            _ => new SeasonDeadline(),
        };
        Assert.Equal(expected, rule.Describe());
    }
}
