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
    [InlineData(12, "2006-05-01", "2007-05-01")] // AMT dues anniversary
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
    [InlineData("2024-01-15", "2024-01-20", "2024-07-15")] // training record before the first stage
    [InlineData("2024-01-15", "2024-07-14", "2024-07-15")]
    [InlineData("2024-01-15", "2024-07-15", "2025-01-15")] // first stage done on the day
    [InlineData("2024-01-15", "2024-08-01", "2025-01-15")]
    [InlineData("2024-01-15", "2025-01-15", "2026-01-15")] // then yearly after the last
    [InlineData("2024-01-15", "2025-02-01", "2026-02-01")]
    [InlineData("2023-08-31", null, "2024-02-29")] // month-end start, leap Feb
    [InlineData("2023-08-31", "2024-02-29", "2024-08-31")]
    [InlineData("2024-02-29", null, "2024-08-29")]
    [InlineData("2024-02-29", "2024-09-01", "2025-02-28")]
    [InlineData("2024-02-29", "2025-03-01", "2026-03-01")]
    [InlineData("2024-07-01", "2024-12-31", "2025-01-01")] // Dec assessment, Jan stage
    public void ReturnsNextStageWhenHireDateKnown(string hired, string? lastAssessment, string expected)
    {
        var context = new ExpiryContext(OrNull(lastAssessment), D(hired), null, []);
        Assert.Equal(D(expected), Clia.ComputeDueDate(context));
    }

    [Fact]
    public void ReturnsNullAndNamesHireDateWhenHireDateUnknown()
    {
        var context = new ExpiryContext(D("2024-07-15"), null, null, []);
        Assert.Null(Clia.ComputeDueDate(context));
        Assert.Equal(["hire date"], Clia.MissingInputs(context));
    }

    [Fact]
    public void EqualsWhenStagesHaveSameValues() =>
        Assert.Equal(Clia, new Staged(new List<int> { 6, 12 }, 12));
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

    private static List<RetrainingEvent> ParseEvents(string text) => text
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
    public void DescribesRuleWhenAsked(string kind, string expected)
    {
        ExpiryRule rule = kind switch
        {
            "MonthsToEndOfMonth" => new MonthsToEndOfMonth(24),
            "RollingDays" => new RollingDays(365),
            "ExactMonths" => new ExactMonths(24),
            "EventDriven" => new EventDriven(30, 12),
            _ => new SeasonDeadline(),
        };
        Assert.Equal(expected, rule.Describe());
    }
}
