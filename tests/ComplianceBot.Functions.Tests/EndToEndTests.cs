using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests;

/// <summary>
/// Two clinics over Azurite and a loopback SendGrid: import, run the timers at the clinics' send hour
/// on a Monday, and check the emails against the preview; a second run sends nothing.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class EndToEndTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{

    private FakeSendGridServer _sendGrid = null!;
    private ComplianceBotApp _app = null!;

    public async Task InitializeAsync()
    {
        _sendGrid = await FakeSendGridServer.StartAsync();
        _app = new ComplianceBotApp(azurite, ComplianceBotApp.SendGridSettings(_sendGrid));
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
    }

    public void Dispose() => _app?.Dispose();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sendGrid.DisposeAsync();
    }

    [Fact]
    public async Task SendsWhatThePreviewShowedOnceWhenDailyRemindersRunsTwice()
    {
        var expected = await PreviewAsync("reminder", "escalation");
        Assert.Contains(expected, m => m.Kind == "reminder" && m.To == "a1@example.org");
        Assert.Contains(expected, m => m.Kind == "escalation" && m.To == TestData.ManagerBEmail);
        Assert.DoesNotContain(expected, m => m.To == "a2@example.org");

        var logs = await RunAsync("/DailyReminders");

        Assert.Equal(expected.Select(m => m.To).Order(StringComparer.Ordinal), SentTo());
        Assert.Empty(_sendGrid.Violations);
        Assert.Contains(logs, l => l.StartsWith("clinic=clinic-a date=2026-03-02 job=DailyReminders", StringComparison.Ordinal) && l.Contains("completed=True", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.StartsWith("clinic=clinic-b date=2026-03-02 job=DailyReminders", StringComparison.Ordinal));

        var sent = _sendGrid.Requests.Count;
        await RunAsync("/DailyReminders");
        _app.Clock.Advance(TimeSpan.FromHours(1));
        await RunAsync("/DailyReminders");
        Assert.Equal(sent, _sendGrid.Requests.Count);
    }

    [Fact]
    public async Task SendsOneDigestPerClinicOnceWhenWeeklyDigestRunsTwice()
    {
        var expected = await PreviewAsync("digest");
        Assert.Equal([TestData.ManagerAEmail, TestData.ManagerBEmail], expected.Select(m => m.To).Order(StringComparer.Ordinal));

        await RunAsync("/WeeklyDigest");
        await RunAsync("/WeeklyDigest");
        _app.Clock.Advance(TimeSpan.FromDays(1));
        await RunAsync("/WeeklyDigest");

        Assert.Equal([TestData.ManagerAEmail, TestData.ManagerBEmail], SentTo());
        Assert.Empty(_sendGrid.Violations);
    }

    [Fact]
    public async Task CountsWhatTheFirstRunSentAsSkippedWhenDailyRemindersRunsAgainInTheSameHour()
    {
        var first = Summaries(await RunAsync("/DailyReminders"));
        var second = Summaries(await RunAsync("/DailyReminders"));

        Assert.Equal([TestData.ClinicA, TestData.ClinicB], first.Keys.Order(StringComparer.Ordinal));
        Assert.All(first.Values, s => Assert.True(s.Sent > 0 && s.Skipped == 0 && s.Failed == 0, s.ToString()));
        Assert.Equal(_sendGrid.Requests.Count, first.Values.Sum(s => s.Sent));
        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
        foreach (var (clinic, again) in second)
        {
            Assert.Equal((0, first[clinic].Sent, 0), (again.Sent, again.Skipped, again.Failed));
        }
    }

    [Fact]
    public async Task CountsTheWeeksDigestAsSkippedWhenWeeklyDigestRunsAgain()
    {
        var first = Summaries(await RunAsync("/WeeklyDigest"));
        _app.Clock.Advance(TimeSpan.FromHours(1));
        var second = Summaries(await RunAsync("/WeeklyDigest"));

        Assert.All(first.Values, s => Assert.Equal((1, 0), (s.Sent, s.Skipped)));
        Assert.All(second.Values, s => Assert.Equal((0, 1), (s.Sent, s.Skipped)));
        Assert.Equal(2, second.Count);
        Assert.Equal(2, _sendGrid.Requests.Count);
    }

    [Fact]
    public async Task SendsNothingBeforeTheClinicsSendHour()
    {
        _app.Clock.SetUtcNow(ComplianceBotApp.MondayAtSendHour.AddHours(-1.5));

        var logs = await RunAsync("/DailyReminders");
        await RunAsync("/WeeklyDigest");

        Assert.Equal("DailyReminders: 0 clinic(s) due, past due=False", Assert.Single(logs));
        Assert.Empty(_sendGrid.Requests);
    }

    [Fact]
    public async Task NamesEveryPersonInTheReportWhenTheTimersHaveRun()
    {
        await RunAsync("/DailyReminders");
        using var managerA = _app.ManagerA();

        var json = await JsonAsync(await managerA.GetAsync("/api/clinics/clinic-a/compliance"));
        var csv = await (await managerA.GetAsync("/api/clinics/clinic-a/compliance?format=csv")).Content.ReadAsStringAsync();

        Assert.Equal("2026-03-02", json.GetProperty("asOf").GetString());
        Assert.Equal(2, json.GetProperty("staffCount").GetInt32());
        Assert.Contains("clinic-a,a1,'=HYPERLINK(1),\"Smith, Jr.\",front_desk,HIPAA training,HIPAA,", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", csv, StringComparison.Ordinal);
    }

    private async Task<List<(string Kind, string To)>> PreviewAsync(params string[] kinds)
    {
        using var hr = _app.Hr();
        var messages = new List<(string, string)>();
        foreach (var clinic in new[] { TestData.ClinicA, TestData.ClinicB })
        {
            var preview = await JsonAsync(await hr.GetAsync($"/api/clinics/{clinic}/preview?asOf=2026-03-02"));
            foreach (var message in preview.GetProperty("messages").EnumerateArray())
            {
                var kind = message.GetProperty("kind").GetString()!;
                if (!kinds.Contains(kind)) continue;
                messages.AddRange(message.GetProperty("to").EnumerateArray().Select(t => (kind, t.GetString()!)));
            }
        }

        return messages;
    }

    private sealed record Summary(int Sent, int Skipped, int Failed);

    /// <summary>Each clinic's one-line summary of a timer reply: <c>clinic=… sent=N skipped=N failed=N …</c>.</summary>
    private static Dictionary<string, Summary> Summaries(IEnumerable<string> logs) =>
        logs.Select(l => Regex.Match(l, @"^clinic=(\S+) .* sent=(\d+) skipped=(\d+) failed=(\d+) ", RegexOptions.CultureInvariant))
            .Where(m => m.Success)
            .ToDictionary(
                m => m.Groups[1].Value,
                m => new Summary(int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture)),
                StringComparer.Ordinal);

    private IEnumerable<string> SentTo() =>
        _sendGrid.Requests
            .SelectMany(r => r.Json!["personalizations"]!.AsArray().SelectMany(p => p!["to"]!.AsArray().Select(t => t!["email"]!.GetValue<string>())))
            .Order(StringComparer.Ordinal);

    private async Task<IReadOnlyList<string>> RunAsync(string function) =>
        (await _app.FireAsync(function.TrimStart('/'))).EnsureSucceeded().Logs;
}

/// <summary>Without a SendGrid key the same run writes .eml files to the outbox.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class OutboxEndToEndTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task WritesOneEmlPerPreviewedMessageOnceWhenDailyRemindersRunsTwice()
    {
        using var hr = _app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
        var previewed = 0;
        foreach (var clinic in new[] { TestData.ClinicA, TestData.ClinicB })
        {
            var preview = await JsonAsync(await hr.GetAsync($"/api/clinics/{clinic}/preview?asOf=2026-03-02"));
            previewed += preview.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("kind").GetString() != "digest");
        }

        (await _app.FireAsync(TimerFunctions.DailyReminders)).EnsureSucceeded();
        var files = _app.OutboxFiles();
        (await _app.FireAsync(TimerFunctions.DailyReminders)).EnsureSucceeded();

        Assert.True(previewed > 0);
        Assert.Equal(previewed, files.Count);
        Assert.Equal(files, _app.OutboxFiles());
        Assert.Contains(files, f => File.ReadAllText(f).Contains("To: ", StringComparison.Ordinal) && File.ReadAllText(f).Contains("a1@example.org", StringComparison.Ordinal));
    }
}
