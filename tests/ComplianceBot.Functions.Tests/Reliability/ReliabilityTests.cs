using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceBot.Application.Ports;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComplianceBot.Functions.Tests.Reliability;

/// <summary>
/// "Nothing sent twice, nothing lost, no one let in", end to end: the Functions app over Azurite with a
/// fake SendGrid on loopback, timers fired the way the host fires them. docs/reliability.md lists each
/// scenario with its figure and the test that proves it.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ReliabilityTests(AzuriteFixture azurite)
{

    /// <summary>People whose HIPAA refresher is due on April 1 2026: the 30-day threshold is crossed on Monday March 2, the app's day (their yearly TB education, done in January, is current).</summary>
    private static string Roster(int count) =>
        "employee_id,first_name,last_name,email,clinic_id,role\n"
        + string.Concat(Enumerable.Range(1, count).Select(i => $"p{i},Pat,Lee{i},p{i}@example.org,clinic-a,front_desk\n"));

    private static string Records(int count) =>
        "employee_id,credential,completed_on,credential_number\n"
        + string.Concat(Enumerable.Range(1, count).Select(i => $"p{i},HIPAA,2025-04-01,SECRET-NUM-{i:D4}\np{i},TB_EDUCATION,2026-01-12,\n"));

    private static async Task<ComplianceBotApp> StartAsync(AzuriteFixture azurite, FakeSendGridServer fake, int people)
    {
        var app = new ComplianceBotApp(azurite, ComplianceBotApp.SendGridSettings(fake));
        var hr = app.Hr();
        await TestData.PutClinicsAsync(hr);
        (await hr.PostAsync("/api/staff/import", new StringContent(Roster(people), Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        (await hr.PostAsync("/api/records/import", new StringContent(Records(people), Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        return app;
    }

    private static Task<TimerRun> FireAsync(ComplianceBotApp app, string function = "/DailyReminders") =>
        app.FireAsync(function.TrimStart('/'));

    private static async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(ComplianceBotApp app) =>
        await app.Services.GetRequiredService<IReminderLedger>().ListAsync(TestData.ClinicA);

    [Fact]
    public async Task SendsExactlyFiftyEmailsWhenTwoInvocationsRaceForTheSameHour()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 50);

        var responses = await Task.WhenAll(FireAsync(app), FireAsync(app));

        Assert.All(responses, r => Assert.True(r.Succeeded, r.Text));
        Assert.Equal(50, fake.Requests.Count);
        Assert.Equal(50, fake.Requests.Select(r => r.Json!["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>()).Distinct().Count());
        Assert.Empty(fake.Violations);
        var ledger = await LedgerAsync(app);
        Assert.Equal(50, ledger.Count(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal) && e.State == LedgerState.Sent));

        // The host's lease-loss replay: the same invocation again after it completed.
        (await FireAsync(app)).EnsureSucceeded();
        Assert.Equal(50, fake.Requests.Count);
    }

    [Fact]
    public async Task SendsEachClinicsDigestOnceWhenTwoWeeklyDigestInvocationsRaceForTheSameHour()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 5);

        var responses = await Task.WhenAll(FireAsync(app, "/WeeklyDigest"), FireAsync(app, "/WeeklyDigest"));

        Assert.All(responses, r => Assert.True(r.Succeeded, r.Text));
        Assert.Equal(
            [TestData.ManagerAEmail, TestData.ManagerBEmail],
            fake.Requests.Select(r => r.Json!["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Empty(fake.Violations);
        foreach (var clinic in new[] { TestData.ClinicA, TestData.ClinicB })
        {
            var ledger = await app.Services.GetRequiredService<IReminderLedger>().ListAsync(clinic);
            var digest = Assert.Single(ledger, e => e.Key.Value.StartsWith("D|", StringComparison.Ordinal));
            Assert.Equal(LedgerState.Sent, digest.State);
        }

        // The two invocations queued each clinic's digest twice. Whichever listener ran a message, the four runs report
        // each digest sent once: by one run, and skipped as the other's (or waiting on it) by the other.
        var runs = responses.SelectMany(r => r.Logs).Where(l => l.StartsWith("clinic=", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, l => Assert.True(
            l.Contains(" sent=1 skipped=0 ", StringComparison.Ordinal) || l.Contains(" sent=0 skipped=1 ", StringComparison.Ordinal) || (l.Contains(" sent=0 skipped=0 ", StringComparison.Ordinal) && l.Contains(" waiting=1 ", StringComparison.Ordinal)),
            l));
        foreach (var clinic in new[] { TestData.ClinicA, TestData.ClinicB })
        {
            Assert.Single(runs, l => l.StartsWith($"clinic={clinic} ", StringComparison.Ordinal) && l.Contains(" sent=1 ", StringComparison.Ordinal));
        }

        (await FireAsync(app, "/WeeklyDigest")).EnsureSucceeded();
        Assert.Equal(2, fake.Requests.Count);
    }

    [Fact]
    public async Task SendsWhatWasMissedOnceSendGridRecoversWhenEveryCallFailedWith500()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 5);
        fake.DefaultResponse = FakeSendGridResponse.ServerError();

        var first = await FireAsync(app);
        Assert.True(first.Succeeded, first.Text); // the run finished; it reports what is left
        Assert.Contains("retry-later=5", first.Text, StringComparison.Ordinal);
        Assert.Equal(5, fake.Requests.Count); // one POST per message, no blind retry

        app.Clock.Advance(TimeSpan.FromHours(1));
        (await FireAsync(app)).EnsureSucceeded();
        Assert.Equal(10, fake.Requests.Count);

        fake.DefaultResponse = FakeSendGridResponse.Accepted();
        app.Clock.Advance(TimeSpan.FromHours(1));
        (await FireAsync(app)).EnsureSucceeded();

        // Third and last attempt (Reminders:MaxSendAttempts = 3) goes through: 5 delivered, 15 POSTs in all.
        Assert.Equal(15, fake.Requests.Count);
        var ledger = await LedgerAsync(app);
        Assert.Equal(5, ledger.Count(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal) && e.State == LedgerState.Sent));
        Assert.All(ledger.Where(e => e.Key.Value.StartsWith("R|", StringComparison.Ordinal)), e => Assert.Equal(3, e.Attempts));

        app.Clock.Advance(TimeSpan.FromHours(1));
        (await FireAsync(app)).EnsureSucceeded();
        Assert.Equal(15, fake.Requests.Count);
    }

    [Fact]
    public async Task GivesUpAfterTheAttemptCapWhenSendGridNeverRecovers()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 2);
        fake.DefaultResponse = FakeSendGridResponse.ServerError();

        for (var hour = 0; hour < 6; hour++)
        {
            (await FireAsync(app)).EnsureSucceeded();
            app.Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(2 * 3, fake.Requests.Count); // bounded: MaxSendAttempts per message
    }

    [Fact]
    public async Task NeverResendsWhenTheConnectionDroppedAfterTheRequestWasRead()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 1);
        fake.DefaultResponse = FakeSendGridResponse.Drop();

        (await FireAsync(app)).EnsureSucceeded();
        fake.DefaultResponse = FakeSendGridResponse.Accepted();
        app.Clock.Advance(TimeSpan.FromHours(1));
        (await FireAsync(app)).EnsureSucceeded();
        app.Clock.Advance(TimeSpan.FromDays(1));
        (await FireAsync(app)).EnsureSucceeded();

        Assert.Single(fake.Requests);
        Assert.Contains(await LedgerAsync(app), e => e.Key.Value.StartsWith("R|p1|", StringComparison.Ordinal) && e.State == LedgerState.Unknown);
    }

    [Fact]
    public async Task Stores963AndRejects37WithRowFieldAndReasonWhenAThousandRowFileHasBadRows()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 500);
        var hr = app.Hr();
        var csv = new StringBuilder("employee_id,credential,issued_on,expires_on,credential_number\n");
        var codes = new[] { "BLS", "OSHA_BBP" };
        var good = 0;
        for (var i = 1; good < 963; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"p{((i - 1) / 2) + 1},{codes[(i - 1) % 2]},2025-06-0{1 + (i % 9)},,N{i}\n");
            good++;
        }

        string[] bad =
        [
            .. Enumerable.Range(1, 6).Select(i => $"p{i},HIPAA,2025-13-0{i},,"),                 // bad month
            .. Enumerable.Range(1, 5).Select(i => $"p{i},ACLS,31/12/2025,,"),                  // not a date format we read
            .. Enumerable.Range(1, 5).Select(i => $"nobody{i},BLS,2025-01-01,,"),              // unknown employee
            .. Enumerable.Range(1, 5).Select(i => $"p{i},CPR_DELUXE,2025-01-01,,"),            // unknown credential
            .. Enumerable.Range(1, 5).Select(i => $"p{i},BLS,2025-01-02,,"),                   // duplicate of an accepted row
            .. Enumerable.Range(1, 4).Select(i => $"p{i},PALS,2025-01-01"),                    // wrong column count
            .. new[] { "p/1,PALS,2025-01-01,,", "p#2,PALS,2025-01-01,,", "p?3,PALS,2025-01-01,,", "p\\4,PALS,2025-01-01,," }, // illegal key characters
            .. Enumerable.Range(1, 2).Select(i => $"p{i},PALS,2025-01-01,,{new string('x', 70 * 1024)}"), // a 70 KB cell
            "p9,PALS,,,",                                                                        // no date at all
        ];
        Assert.Equal(37, bad.Length);
        foreach (var line in bad) csv.Append(line).Append('\n');
        var body = csv.ToString();

        var response = await hr.PostAsync("/api/records/import", new StringContent(body, Encoding.UTF8, "text/csv"));
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(963, result.RootElement.GetProperty("accepted").GetInt32());
        var rejected = result.RootElement.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal(37, rejected.Count);
        Assert.All(rejected, r =>
        {
            Assert.True(r.GetProperty("row").GetInt32() > 964);
            Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("field").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("reason").GetString()));
        });

        var again = await hr.PostAsync("/api/records/import", new StringContent(body, Encoding.UTF8, "text/csv"));
        using var second = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.Equal(0, second.RootElement.GetProperty("created").GetInt32());
        Assert.Equal(0, second.RootElement.GetProperty("updated").GetInt32());
        Assert.Equal(963, second.RootElement.GetProperty("unchanged").GetInt32());
    }

    [Fact]
    public async Task Answers413WithoutBufferingWhenTheBodyIsFiftyMegabytes()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 1);
        // Streamed without a Content-Length, so the cap is enforced while reading, not by a header check
        // (the default client would read the body into memory and declare its length).
        using var hr = app.HrStreaming();
        using var content = new StreamContent(new RepeatingCsvStream(50L * 1024 * 1024));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var response = await hr.PostAsync("/api/records/import", content);

        Assert.Null(response.RequestMessage!.Content!.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nothing was imported", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // The process's memory with a real client in another process is measured by the import benchmark
        // (`dotnet run -c Release --project bench/ComplianceBot.Bench -- import` prints it); the in-process
        // test server's client pipe holds the body on the test's side, so it cannot be measured here.
    }

    [Fact]
    public async Task AnswersEachRequestWith503WithinItsStorageTimeLimitWhenStorageHangs()
    {
        // A storage endpoint that accepts connections and never answers.
        using var hung = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        hung.Start();
        var held = new ConcurrentBag<System.Net.Sockets.Socket>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) held.Add(await hung.AcceptSocketAsync(stop.Token));
        });
        var port = ((IPEndPoint)hung.LocalEndpoint).Port;
        using var app = new ComplianceBotApp(azurite, new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteFixture.AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
            ["Storage:RequestTimeout"] = "00:00:02", // the default attempts (10 s, 3 retries) would take 40 s and more a call
        });
        using var hr = app.Hr();

        foreach (var path in new[] { "/api/clinics/clinic-a/compliance", "/api/clinics" })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var problem = await Problems.AssertProblemAsync(await hr.GetAsync(path), HttpStatusCode.ServiceUnavailable);
            clock.Stop();

            Assert.Equal("Storage did not answer in time. Nothing was lost; try again in a minute.", problem.GetProperty("detail").GetString());
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(7)); // 2 s and one backoff
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accepting);
        foreach (var socket in held) socket.Dispose();
    }

    [Fact]
    public async Task ChangesNoProtectedDataWhenRowsCarryExtraFields()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 2);
        var hr = app.Hr();

        var json = """[{"employee_id":"p1","credential":"BLS","issued_on":"2025-05-01","clinic_id":"clinic-b","PartitionKey":"clinic-b","RowKey":"x","ETag":"*","Timestamp":"2020-01-01","State":"Sent"}]""";
        var response = await hr.PostAsync("/api/records/import", new StringContent(json, Encoding.UTF8, "application/json"));
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, result.RootElement.GetProperty("accepted").GetInt32());
        var warned = result.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("field").GetString()).ToList();
        Assert.Equal(["clinic_id", "partition_key", "row_key", "etag", "timestamp", "state"], warned); // JSON fields in camelCase are split like issuedOn

        var person = await app.Services.GetRequiredService<IStaffStore>().GetAsync("p1");
        Assert.Equal(TestData.ClinicA, person!.ClinicId);
        Assert.Empty(await app.Services.GetRequiredService<ICredentialRecordStore>().ListByClinicAsync(TestData.ClinicB));

        var put = await hr.PutAsJsonAsync("/api/staff/p2", new { first_name = "Pat", last_name = "Lee2", email = "p2@example.org", clinic_id = "clinic-a", role = "front_desk", PartitionKey = "clinic-b" });
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
    }

    [Fact]
    public async Task AddsNoRecipientWhenANameCarriesAHeaderInjection()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        using var app = await StartAsync(azurite, fake, people: 1);
        var hr = app.Hr();

        var json = """[{"employee_id":"evil","first_name":"Eve\r\nBcc: x@example.com","last_name":"Lee","email":"eve@example.org","clinic_id":"clinic-a","role":"front_desk"}]""";
        var response = await hr.PostAsync("/api/staff/import", new StringContent(json, Encoding.UTF8, "application/json"));
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var rejected = Assert.Single(result.RootElement.GetProperty("rejected").EnumerateArray());
        Assert.Equal("first_name", rejected.GetProperty("field").GetString());

        (await FireAsync(app)).EnsureSucceeded();
        var sent = Assert.Single(fake.Requests);
        Assert.Single(sent.Json!["personalizations"]![0]!["to"]!.AsArray());
        Assert.Null(sent.Json!["personalizations"]![0]!["bcc"]);
        Assert.DoesNotContain('\n', sent.Json!["subject"]?.GetValue<string>() ?? sent.Json!["personalizations"]![0]!["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task LogsNoKeyAndNoCredentialNumberDuringAFullRun()
    {
        await using var fake = await FakeSendGridServer.StartAsync();
        var lines = new ConcurrentQueue<string>();
        using var app = new LoggingApp(azurite, ComplianceBotApp.SendGridSettings(fake), lines);
        var hr = app.Hr();
        await TestData.PutClinicsAsync(hr);
        (await hr.PostAsync("/api/staff/import", new StringContent(Roster(3), Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        (await hr.PostAsync("/api/records/import", new StringContent(Records(3), Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        (await app.WithKey("wrong-key-000000000000000000000000000000").GetAsync("/api/clinics")).Dispose();
        (await FireAsync(app)).EnsureSucceeded();
        (await FireAsync(app, "/WeeklyDigest")).EnsureSucceeded();
        (await hr.GetAsync("/api/clinics/clinic-a/compliance?format=csv")).EnsureSuccessStatusCode();

        // A personal renewal link used to read and to send a renewal, and the same link with its last character changed.
        var token = app.Services.GetRequiredService<ComplianceBot.Application.Renewals.RenewalTokens>().Issue(TestData.ClinicA, "p1");
        var tampered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        using (var link = app.WithRenewalToken(token))
        {
            (await link.GetAsync("/api/renewal")).EnsureSuccessStatusCode();
            using var form = Renewals.RenewalSupport.Form(Renewals.RenewalSupport.Pdf, issuedOn: "2026-02-20", number: "SECRET-NUM-RENEWED");
            (await link.PostAsync("/api/renewal", form)).EnsureSuccessStatusCode();
        }

        using (var wrong = app.WithRenewalToken(tampered))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/renewal")).StatusCode);
        }

        Assert.NotEmpty(lines);
        var secrets = new[] { ComplianceBotApp.HrKey, ComplianceBotApp.ManagerAKey, "wrong-key-0000", "SG.test-key", AzuriteFixture.AccountKey, "SECRET-NUM-", token, tampered, ComplianceBotApp.RenewalSigningKey };
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>The test app with every log line at Trace captured.</summary>
    private sealed class LoggingApp(AzuriteFixture azurite, IReadOnlyDictionary<string, string?> overrides, ConcurrentQueue<string> lines)
        : ComplianceBotAppWithLogging(azurite, overrides, lines);

    /// <summary>An endless CSV body: header once, then the same row until <c>length</c> bytes.</summary>
    private sealed class RepeatingCsvStream(long length) : Stream
    {
        private static readonly byte[] Row = Encoding.UTF8.GetBytes("p1,BLS,2025-01-01,,N1\n");
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++) buffer[offset + i] = Row[(int)((_position + i) % Row.Length)];
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The test app, capturing every log line (all categories, Trace and up).</summary>
public class ComplianceBotAppWithLogging(AzuriteFixture azurite, IReadOnlyDictionary<string, string?> overrides, ConcurrentQueue<string> lines)
    : ComplianceBotApp(azurite, overrides)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(lines)));
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {exception}");
    }
}
