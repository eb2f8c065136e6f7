using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ComplianceBot.Application.Renewals;
using ComplianceBot.Testing;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Bench;

/// <summary>
/// A staff member's 10 MB certificate through the renewal endpoint (multipart, streamed to Azurite's blob service)
/// against the same uploads of a 100 KB file in the same app, measured as the growth of the app's peak resident
/// memory (VmHWM), then one 25 MB file. Streamed, memory does not follow the file's size (one 1 MiB block in flight;
/// what the 10 MB rounds add is the heap settling to a larger working set, not the files); buffered, the 25 MB file
/// alone would add 25 MiB or more.
/// </summary>
internal static class UploadBenchmark
{
    private const string HrKey = "bench-hr-key-0123456789abcdef0123456789";
    private const string SigningKey = "bench-renewal-signing-key-000000000000000";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = BenchArgs.Option(args, "--rounds", 5);
        using var azurite = new AzuriteFixture();
        using var app = await AppProcess.StartAsync(AppProcess.AppPath("ComplianceBot.LocalHost"), new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString,
            ["Storage__TablePrefix"] = "benchupload",
            ["Storage__EvidenceContainer"] = "bench-evidence",
            ["Email__FromAddress"] = "compliance@bench.example",
            ["LocalHost__RunTimers"] = "false",
            ["Auth__ApiKeys__0__Name"] = "bench",
            ["Auth__ApiKeys__0__Key"] = HrKey,
            ["Auth__ApiKeys__0__Role"] = "HR",
            ["Renewal__SigningKey"] = SigningKey,
            ["Renewal__PublicBaseUrl"] = "http://127.0.0.1",

            // Raised from 10 MB so one 25 MB file (under Kestrel's 30 MB request cap) can show whether memory follows the file's size.
            ["Renewal__MaxFileBytes"] = (50 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { BaseAddress = app.BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", HrKey);
        (await http.PutAsync(new Uri("/api/clinics/bench-a", UriKind.Relative), new StringContent("""{"name":"Bench","timeZone":"America/Denver","state":"CO","managerEmails":["m@bench.example"],"sendHour":8}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await http.PostAsync(new Uri("/api/staff/import", UriKind.Relative), new StringContent("employee_id,first_name,last_name,email,clinic_id,role,hire_date\nu1,Uma,Upload,u1@bench.example,bench-a,front_desk,2024-01-02\n", Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();

        var tokens = new RenewalTokens(Options.Create(new RenewalOptions { SigningKey = SigningKey, PublicBaseUrl = "http://127.0.0.1" }), TimeProvider.System);
        using var person = new HttpClient { BaseAddress = app.BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        person.DefaultRequestHeaders.Add("X-Renewal-Token", tokens.Issue("bench-a", "u1"));

        Console.WriteLine($"upload benchmark: {rounds} uploads of 100 KB, then {rounds} of 10 MB, one app, Azurite blobs; {Environment.ProcessorCount} cores");
        // One of each first, so both paths are compiled and their pools exist before anything is measured.
        await UploadAsync(person, 100 * 1024);
        await UploadAsync(person, 10 * 1024 * 1024 - 4096);
        var started = app.PeakMemoryMiB;
        for (var i = 0; i < rounds; i++) await UploadAsync(person, 100 * 1024);
        var afterSmall = app.PeakMemoryMiB;
        var largeTimes = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await UploadAsync(person, 10 * 1024 * 1024 - 4096);
            largeTimes.Add(clock.Elapsed.TotalSeconds);
        }

        var afterLarge = app.PeakMemoryMiB;
        await UploadAsync(person, 25 * 1024 * 1024);
        var afterHuge = app.PeakMemoryMiB;
        var smallGrowth = afterSmall - started;
        var largeGrowth = afterLarge - afterSmall;
        var ratio = (double)afterLarge / afterSmall;
        Console.WriteLine($"app peak memory: {started} MiB after one upload of each size, {afterSmall} MiB after the 100 KB uploads (+{smallGrowth}), {afterLarge} MiB after the 10 MB uploads (+{largeGrowth}), {afterHuge} MiB after one 25 MB upload (+{afterHuge - afterLarge}; buffered it would be +25 or more)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak after 10 MB uploads / peak after 100 KB uploads: {ratio:F2} (1.00 is flat); 10 MB upload median {StartupBenchmark.Median(largeTimes):F2} s"));
        // Buffered, a 10 MB upload alone would raise the peak by 10 MiB or more.
        // The pass mark: a file two and a half times larger moves the peak by less than one 10 MB file would.
        return afterHuge - afterLarge < 10 ? 0 : 1;
    }

    private static async Task UploadAsync(HttpClient person, int bytes)
    {
        var file = new byte[bytes];
        Encoding.ASCII.GetBytes("%PDF-1.7\n").CopyTo(file, 0);
        using var form = new MultipartFormDataContent { { new StringContent("HIPAA"), "code" }, { new StringContent("2026-02-20"), "issuedOn" } };
        var content = new StreamContent(new MemoryStream(file));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(content, "file", "card.pdf");
        using var response = await person.PostAsync(new Uri("/api/renewal", UriKind.Relative), form);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"upload of {bytes} bytes: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
