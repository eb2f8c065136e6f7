using System.Net.Http.Json;
using ComplianceBot.Application.Ports;
using ComplianceBot.Testing;

namespace ComplianceBot.Reliability.Tests;

/// <summary>Scenarios 1-5: concurrent and replayed timers, catch-up, DST, renewal.</summary>
[Collection(AppGroup.Name)]
public sealed class ReminderRunTests(AzuriteFixture azurite)
{
    private const string Chicago = "America/Chicago";

    // Tuesday 14 April 2026, 08:00 in Chicago (CDT): the clinic's send hour on a business day.
    private static readonly DateOnly Today = new(2026, 4, 14);

    private static DateTimeOffset SendHour(DateOnly day) => AppActions.At(Chicago, day.ToDateTime(new TimeOnly(8, 0)));

    [Fact]
    public async Task FiftyEmailsAndFiftySentEntriesWhenTwoInvocationsRunInParallel()
    {
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today));
        await app.PutClinicAsync("clinic-a");
        var people = Enumerable.Range(1, 50).Select(i => ($"e{i:000}", Today.AddDays(14))).ToList();
        await app.SeedStaffAsync("clinic-a", people);

        var runs = await Task.WhenAll(app.FireDailyAsync(), app.FireDailyAsync());
        Assert.All(runs, r => Assert.True(r.Succeeded, r.Text));

        var recipients = app.SendGrid.Recipients();
        Assert.Equal(50, recipients.Count);
        Assert.Equal(50, recipients.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Empty(app.SendGrid.Violations);
        var ledger = await app.LedgerAsync("clinic-a");
        var items = ledger.Where(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal)).ToList();
        Assert.Equal(50, items.Count);
        Assert.All(items, e => Assert.Equal(LedgerState.Sent, e.State));
        Assert.All(items, e => Assert.EndsWith($"|{Today.AddDays(14):yyyy-MM-dd}|14", e.Key.Value, StringComparison.Ordinal));
        Assert.Equal(50, ledger.Count(e => e.Key.Value.StartsWith("P|", StringComparison.Ordinal) && e.State == LedgerState.Sent));
    }

    [Fact]
    public async Task NoNewEmailWhenTheSameInvocationRunsAgainAfterItCompleted()
    {
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today));
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", Enumerable.Range(1, 10).Select(i => ($"e{i:000}", Today.AddDays(7))).ToList());
        await app.FireDailyOkAsync();
        Assert.Equal(10, app.SendGrid.Requests.Count);
        var before = (await app.LedgerAsync("clinic-a")).Select(e => (e.Key.Value, e.State, e.ETag)).OrderBy(e => e.Value).ToList();

        await app.FireDailyOkAsync();
        app.Clock.Advance(TimeSpan.FromHours(1)); // the host's replay an hour later, still in the window
        await app.FireDailyOkAsync();

        Assert.Equal(10, app.SendGrid.Requests.Count);
        var after = (await app.LedgerAsync("clinic-a")).Select(e => (e.Key.Value, e.State, e.ETag)).OrderBy(e => e.Value).ToList();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task EveryThresholdSentOnceWhenThreeDaysWereMissed()
    {
        // Monday 13 April: a completed run. Tuesday-Thursday: no runs. Friday 17 April: catch-up.
        var monday = new DateOnly(2026, 4, 13);
        var friday = monday.AddDays(4);
        int[] thresholds = [30, 14, 7, 1, 0]; // HIPAA's own thresholds (default-catalog.json)
        await using var app = await AppFactory.StartAsync(azurite, SendHour(monday));
        await app.PutClinicAsync("clinic-a");
        var people = Enumerable.Range(1, 40).Select(i => ($"e{i:000}", monday.AddDays(i))).ToList();
        await app.SeedStaffAsync("clinic-a", people);
        await app.FireDailyOkAsync();
        var afterMonday = (await app.LedgerAsync("clinic-a")).Select(e => e.Key.Value).ToHashSet();
        var mondayEmails = app.SendGrid.Requests.Count;

        app.Clock.SetUtcNow(SendHour(friday));
        await app.FireDailyOkAsync();

        // Oracle: threshold t of a due date d is crossed on d - t; the catch-up owes every crossing after Monday up to Friday.
        var expected = (
            from p in people
            from t in thresholds
            let crossing = p.Item2.AddDays(-t)
            where crossing > monday && crossing <= friday
            select $"R|{p.Item1}|HIPAA|{p.Item2:yyyy-MM-dd}|{t}").ToHashSet();
        var ledger = await app.LedgerAsync("clinic-a");
        var added = ledger.Select(e => e.Key.Value).Where(k => k.StartsWith("R|", StringComparison.Ordinal) && !afterMonday.Contains(k)).ToHashSet();
        Assert.Equal(expected.Order(), added.Order());
        Assert.All(ledger.Where(e => added.Contains(e.Key.Value)), e => Assert.Equal(LedgerState.Sent, e.State));

        // One email per person owed anything, never two.
        var owed = expected.Select(k => k.Split('|')[1]).Distinct().Count();
        var fridayRecipients = app.SendGrid.Recipients().Skip(mondayEmails).ToList();
        Assert.Equal(owed, fridayRecipients.Count);
        Assert.Equal(owed, fridayRecipients.Distinct().Count());
    }

    [Theory]
    [InlineData(2026, 3, 8)]
    [InlineData(2026, 11, 1)]
    public async Task EachThresholdSentOnceOnItsLocalDateWhenTheClinicCrossesDst(int year, int month, int day)
    {
        var change = new DateOnly(year, month, day);
        var start = change.AddDays(-3);
        var end = change.AddDays(3);
        int[] thresholds = [30, 14, 7, 1, 0];
        await using var app = await AppFactory.StartAsync(azurite, SendHour(start));
        string[] everyDay = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        await app.PutClinicAsync("clinic-dst", businessDays: everyDay);
        var people = Enumerable.Range(-2, 10).Select(i => ($"d{i + 2:00}", change.AddDays(i))).ToList();
        await app.SeedStaffAsync("clinic-dst", people);
        await app.FireDailyOkAsync(); // first run sets the watermark at start
        var firstRun = app.SendGrid.Requests.Count;

        // The host fires hourly, on the hour, in UTC.
        var utc = new DateTimeOffset(start.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var stop = new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(12);
        for (; utc <= stop; utc = utc.AddHours(1))
        {
            app.Clock.SetUtcNow(utc);
            await app.FireDailyOkAsync();
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);
        var sent = app.SendGrid.Requests.Skip(firstRun)
            .Select(r => (To: r.Json!["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>(), Local: TimeZoneInfo.ConvertTime(r.ReceivedAt, zone)))
            .ToList();
        var expected = (
            from p in people
            from t in thresholds
            let crossing = p.Item2.AddDays(-t)
            where crossing > start && crossing <= end
            select (To: $"{p.Item1}@staff.example", Date: crossing)).Distinct().OrderBy(x => x.To).ThenBy(x => x.Date).ToList();
        var actual = sent.Select(s => (s.To, Date: DateOnly.FromDateTime(s.Local.DateTime))).OrderBy(x => x.To).ThenBy(x => x.Date).ToList();
        Assert.Equal(expected, actual);
        Assert.All(sent, s => Assert.Equal(8, s.Local.Hour));
    }

    [Fact]
    public async Task NewSeriesAndNothingForTheOldDateWhenARenewalIsUploadedAfterThe30DayReminder()
    {
        var oldDue = Today.AddDays(30);
        await using var app = await AppFactory.StartAsync(azurite, SendHour(Today));
        await app.PutClinicAsync("clinic-a");
        await app.SeedStaffAsync("clinic-a", [("r1", oldDue)]);
        await app.FireDailyOkAsync();
        Assert.Single(app.SendGrid.Requests);

        // Renewed the next day: new card valid for a year.
        app.Clock.SetUtcNow(SendHour(Today.AddDays(1)));
        var newDue = Today.AddDays(1).AddMonths(12);
        using var hr = app.Hr();
        var put = await hr.PutAsJsonAsync("/api/staff/r1/credentials/HIPAA", new { issued_on = Today.AddDays(1).ToString("yyyy-MM-dd"), expires_on = newDue.ToString("yyyy-MM-dd") });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        // Every business day until well past the old due date: nothing.
        for (var d = Today.AddDays(1); d <= oldDue.AddDays(10); d = d.AddDays(1))
        {
            app.Clock.SetUtcNow(SendHour(d));
            await app.FireDailyOkAsync();
        }

        Assert.Single(app.SendGrid.Requests);

        // The new date's series starts at its own first threshold (30 days before).
        app.Clock.SetUtcNow(SendHour(NextBusinessDay(newDue.AddDays(-30))));
        await app.FireDailyOkAsync();
        Assert.Equal(2, app.SendGrid.Requests.Count);

        var keys = (await app.LedgerAsync("clinic-a")).Select(e => e.Key.Value).Where(k => k.StartsWith("R|r1|HIPAA|", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([$"R|r1|HIPAA|{oldDue:yyyy-MM-dd}|30", $"R|r1|HIPAA|{newDue:yyyy-MM-dd}|30"], keys);
    }

    private static DateOnly NextBusinessDay(DateOnly d)
    {
        while (d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) d = d.AddDays(1);
        return d;
    }
}
