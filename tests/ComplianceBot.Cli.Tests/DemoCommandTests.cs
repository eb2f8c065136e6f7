using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ComplianceBot.Cli.Samples;
using ComplianceBot.Domain.Catalog;

namespace ComplianceBot.Cli.Tests;

/// <summary>The README's first command, run once: it starts its own Azurite, so it needs no fixture.</summary>
public sealed partial class DemoCommandTests : IDisposable
{
    private readonly string _outbox = Directory.CreateTempSubdirectory("compliancebot-demo-").FullName;

    [Fact]
    public async Task RunsEndToEndAndWritesReadableRemindersWhenRunOnce()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await CliApp.RunAsync(["demo", "--once", "--outbox", _outbox], stdout, stderr);

        var output = stdout.ToString();
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{stderr}");
        foreach (var clinic in SamplePractice.Clinics)
        {
            Assert.Contains(clinic.Name, output, StringComparison.Ordinal);
        }

        Assert.Contains("Loaded the sample practice: 3 clinics, 30 staff", output, StringComparison.Ordinal);
        // How to reach the demo's storage from the CLI: the emulator's connection string with its live table port.
        Assert.Matches(@"export Storage__ConnectionString='DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;.*TableEndpoint=http://127\.0\.0\.1:\d+/devstoreaccount1;'", output);
        var files = Directory.GetFiles(_outbox, "*.eml");
        Assert.NotEmpty(files);
        Assert.Contains($"{files.Length} emails written to", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_outbox, "index.jsonl")));
        Assert.Contains(files, f => Path.GetFileName(f).Contains("-digest-", StringComparison.Ordinal));
        Assert.Contains(files, f => Path.GetFileName(f).Contains("-escalation-", StringComparison.Ordinal));

        // Every reminder has its text and HTML versions; one with due dates also carries their calendar file. The
        // checks below read one of those (which file sorts first depends on the second each was written in).
        var reminders = files.Where(f => Path.GetFileName(f).Contains("-reminder-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        Assert.All(reminders, r => Assert.Contains("Content-Type: multipart/alternative;", r, StringComparison.Ordinal));
        var reminder = Assert.Single(reminders.Where(r => Split(r).Headers.Contains("Content-Type: multipart/mixed;", StringComparison.Ordinal)).Take(1));
        var (headers, body) = Split(reminder);
        Assert.Matches(@"(?m)^From: .*compliancebot@practice\.example", headers);
        Assert.Matches(@"(?m)^To: .*@(northgate|riverside|harborview)\.example", headers);
        Assert.Matches(@"(?m)^Subject: \S", headers);
        Assert.Matches(@"(?m)^Date: ", headers);
        // The text and HTML versions, then the calendar file of the due dates.
        Assert.Contains("Content-Type: multipart/mixed;", headers, StringComparison.Ordinal);
        Assert.Contains("Content-Type: multipart/alternative;", body, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/calendar", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Content-Type: text/plain; charset=utf-8", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Content-Type: text/html; charset=utf-8", body, StringComparison.OrdinalIgnoreCase);

        Assert.Matches(LongDate(), DecodeQuotedPrintable(body));

        // The "I've renewed" link points at the demo's own renewal page, signed with the run's key.
        Assert.Matches(@"http://127\.0\.0\.1:\d+/api/renew/#v1\.", DecodeQuotedPrintable(body));

        // Some reminders only name a missing requirement ("Medical assistant certification ..."); the
        // others name the credential as the catalog does.
        var texts = files.Where(f => Path.GetFileName(f).Contains("-reminder-", StringComparison.Ordinal))
            .Select(f => DecodeQuotedPrintable(Split(File.ReadAllText(f)).Body))
            .ToList();
        Assert.Contains(texts, text => CredentialCatalog.Default.All.Any(t => text.Contains(t.Name, StringComparison.Ordinal)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_outbox, recursive: true);
        }
        catch (IOException)
        {
            // Leave the folder for inspection rather than hide a failure.
        }
    }

    private static (string Headers, string Body) Split(string eml)
    {
        var end = eml.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, "no blank line after the headers (CRLF line ends expected)");
        // Unfold continuation lines so each header is on one line.
        return (eml[..end].Replace("\r\n ", " ", StringComparison.Ordinal), eml[(end + 4)..]);
    }

    private static string DecodeQuotedPrintable(string body)
    {
        var unfolded = body.Replace("=\r\n", string.Empty, StringComparison.Ordinal);
        var bytes = new List<byte>();
        for (var i = 0; i < unfolded.Length; i++)
        {
            if (unfolded[i] == '=' && i + 2 < unfolded.Length && Uri.IsHexDigit(unfolded[i + 1]) && Uri.IsHexDigit(unfolded[i + 2]))
            {
                bytes.Add(byte.Parse(unfolded.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(unfolded[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    // e.g. "March 31, 2027" or "2027-03-31"
    [GeneratedRegex(@"(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, 20\d\d|20\d\d-\d\d-\d\d")]
    private static partial Regex LongDate();
}
