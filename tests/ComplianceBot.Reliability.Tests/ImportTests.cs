using System.Diagnostics;
using ComplianceBot.Files;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceBot.Application.Import;
using ComplianceBot.Application.Ports;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Reliability.Tests;

/// <summary>Scenarios 9-10: hostile files, size caps, RFC 4180, mass assignment.</summary>
[Collection(AppGroup.Name)]
public sealed class ImportTests(AzuriteFixture azurite)
{
    public const string NumberPrefix = "CN7731-";

    private static readonly DateTimeOffset Now = AppActions.At("America/Chicago", new DateTime(2026, 4, 14, 8, 0, 0));

    private static async Task SeedRosterAsync(AppFactory app, string clinic, int count, string prefix = "s")
    {
        var roster = new StringBuilder("employee_id,first_name,last_name,email,clinic_id,role\n");
        for (var i = 1; i <= count; i++) roster.Append($"{prefix}{i:0000},Ann{i},Lee{i},{prefix}{i}@staff.example,{clinic},front_desk\n");
        await app.ImportAsync("staff", roster.ToString());
    }

    [Fact]
    public async Task Stores963AndRejects37WithRowFieldAndReasonWhenAThousandRowFileHas37BadRows()
    {
        await using var app = await AppFactory.StartAsync(azurite, Now);
        await app.PutClinicAsync("clinic-a");
        await SeedRosterAsync(app, "clinic-a", 500);

        var good = new List<string>();
        for (var i = 0; i < 963; i++) good.Add($"s{(i / 2) + 1:0000},{(i % 2 == 0 ? "HIPAA" : "BLS")},2025-06-01,,{NumberPrefix}{i}");
        var bigCell = new string('x', 70 * 1024);
        var bad = new List<string>
        {
            "s0001,HIPAA,2025-13-45,,", "s0001,HIPAA,31/12/2025,,", "s0001,HIPAA,yesterday,,", "s0002,BLS,2025-02-30,,",
            "s0002,BLS,2025-06-01,not-a-date,", "s0003,HIPAA,2025-06-01,2024-01-01,",
            "nobody1,HIPAA,2025-06-01,,", "nobody2,BLS,2025-06-01,,", "nobody3,HIPAA,2025-06-01,,", "x9999,HIPAA,2025-06-01,,",
            "s9999,HIPAA,2025-06-01,,", "S0001,HIPAA,2025-06-01,,",
            "s0001,XYZ,2025-06-01,,", "s0001,CPR2,2025-06-01,,", "s0001,,2025-06-01,,", "s0002,BLS-X,2025-06-01,,",
            "s0003,HIPAA?,2025-06-01,,", "s0004,NOPE,2025-06-01,,",
            good[0], good[1], good[2], good[3], good[4],
            "s0001,HIPAA", "s0001", "s0001,HIPAA,2025-06-01,,,extra", "s0001,HIPAA,2025-06-01,,,,", "s0001,HIPAA,2025-06-01",
            "s/0001,HIPAA,2025-06-01,,", "s#0001,HIPAA,2025-06-01,,", "s?0001,HIPAA,2025-06-01,,", "s\\0001,HIPAA,2025-06-01,,",
            "s\u00010001,HIPAA,2025-06-01,,", "s0001\u007f,HIPAA,2025-06-01,,",
            $"s0005,HIPAA,2025-06-01,,{bigCell}", $"s0006,{bigCell},2025-06-01,,", $"{bigCell},HIPAA,2025-06-01,,",
        };
        Assert.Equal(37, bad.Count);

        // Bad rows go after the first ten good rows (so a duplicate follows its original), at seeded places.
        var random = new Random(37);
        var lines = new List<(string Text, bool Bad)>(good.Select(g => (g, false)));
        foreach (var b in bad) lines.Insert(random.Next(10, lines.Count), (b, true));
        var csv = "employee_id,credential,issued_on,expires_on,credential_number\n" + string.Join("\n", lines.Select(l => l.Text)) + "\n";
        var badRows = lines.Select((l, i) => (l.Bad, Row: i + 2)).Where(x => x.Bad).Select(x => x.Row).ToList();

        var first = await app.ImportAsync("records", csv);
        Assert.Equal(963, first.GetProperty("accepted").GetInt32());
        Assert.Equal(963, first.GetProperty("created").GetInt32());
        var rejected = first.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal(badRows, rejected.Select(r => r.GetProperty("row").GetInt32()).Order().ToList());
        Assert.All(rejected, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("field").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("reason").GetString()));
            Assert.True(r.GetProperty("reason").GetString()!.Length < 1000, "a rejection echoes a 70 KB cell");
        });
        Assert.Equal(963, (await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-a")).Count);

        var second = await app.ImportAsync("records", csv);
        Assert.Equal(0, second.GetProperty("created").GetInt32());
        Assert.Equal(0, second.GetProperty("updated").GetInt32());
        Assert.Equal(963, second.GetProperty("unchanged").GetInt32());
        Assert.Equal(963, (await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-a")).Count);
    }

    [Fact]
    public async Task Answers413WhetherOrNotTheFiftyMegabyteBodyDeclaresItsLength()
    {
        await using var app = await AppFactory.StartAsync(azurite, Now, kestrel: true);
        using var hr = app.Hr();
        hr.DefaultRequestHeaders.ExpectContinue = true; // as curl does: the 413 can arrive before the body is sent

        // Declared length: refused before reading. No declared length (chunked): refused while streaming.
        // The process's memory is measured where client and server are separate processes: the import
        // benchmark sends the same body to the real app and fails unless its peak grows by under twice the cap.
        foreach (var declareLength in new[] { true, false })
        {
            using var content = new GeneratedCsvContent(50L * 1024 * 1024, declareLength);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var response = await hr.PostAsync("/api/records/import", content, timeout.Token);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(await app.Services.GetRequiredService<ICredentialRecordStore>().ListByClinicAsync("clinic-a"));
    }

    /// <summary>A JSON body whose tokens (a 40-character string among them) straddle reads of 1 to 64 KiB.</summary>
    private const string ValidJson = "[\n  {\"employee_id\": \"s1\", \"credential_number\": \"0123456789012345678901234567890123456789\"},\n  {\"n\": -1.5e3, \"ok\": true, \"x\": null}\n]\n";

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    [InlineData(7, false)]
    [InlineData(65536, true)]
    public async Task AcceptsValidJsonWhateverTheReadSizeAndWhetherItHasABom(int bufferSize, bool bom)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes((bom ? "\uFEFF" : string.Empty) + ValidJson));

        await TabularReader.CheckJsonSyntaxAsync(stream, bufferSize);

        Assert.Equal(stream.Length, stream.Position);
    }

    [Theory]
    [InlineData("[\n  {\"a\": 1},\n  {\"b\" 2}\n]", 3, 8)]
    [InlineData("[\n  {\"a\": 1},\n  {\"b\": 2}\n", 4, 1)]
    [InlineData("[{\"a\": 1}] x", 1, 12)]
    [InlineData("  \n x", 2, 2)]
    public async Task RefusesBrokenJsonNamingLineAndByteCountedFromOne(string json, int line, int bytePosition)
    {
        foreach (var bufferSize in new[] { 2, 5, 65536 })
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));

            var error = await Assert.ThrowsAsync<Application.Import.UnreadableImportException>(() => TabularReader.CheckJsonSyntaxAsync(stream, bufferSize));

            Assert.StartsWith($"The body is not valid JSON at line {line}, byte {bytePosition}: ", error.Message, StringComparison.Ordinal);
            Assert.EndsWith("Nothing was imported.", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF")]
    [InlineData(" \r\n ")]
    public async Task RefusesAnEmptyJsonBodyAsEmpty(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));

        var error = await Assert.ThrowsAsync<Application.Import.UnreadableImportException>(() => TabularReader.CheckJsonSyntaxAsync(stream));

        Assert.Equal("The body is empty: expected a JSON array of objects. Nothing was imported.", error.Message);
    }

    [Theory]
    [InlineData("\uFEFFemployee_id,credential_number\r\ns1,A1\r\n", "A1")]
    [InlineData("employee_id,credential_number\ns1,A1\n", "A1")]
    [InlineData("employee_id,credential_number\ns1,A1", "A1")]
    [InlineData("employee_id,credential_number\r\ns1,\"A,1\"\r\n", "A,1")]
    [InlineData("employee_id,credential_number\ns1,\"line1\nline2\"\n", "line1\nline2")]
    [InlineData("employee_id,credential_number\r\ns1,\"line1\r\nline2\"\r\n", "line1\r\nline2")]
    [InlineData("employee_id,credential_number\ns1,\"say \"\"hi\"\"\"\n", "say \"hi\"")]
    [InlineData("employee_id,credential_number\ns1,\"\"\n", "")]
    [InlineData("\uFEFF\"employee_id\",\"credential_number\"\r\n\"s1\",\"a\"\"b,c\"\r\n", "a\"b,c")]
    public async Task ParsesTheFieldWhenTheCsvUsesAnRfc4180Feature(string csv, string expected)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        var rows = new List<Application.Import.RawRow>();
        await foreach (var row in TabularReader.ReadAsync(stream, TabularFormat.Csv)) rows.Add(row);
        var only = Assert.Single(rows);
        Assert.Null(only.StructuralError);
        Assert.Equal("s1", only.Fields["employee_id"]);
        Assert.Equal(expected, only.Fields["credential_number"] ?? string.Empty);
    }

    [Fact]
    public async Task StoresTheQuotedValueWhenAnUploadUsesBomCrlfQuotedCommasAndDoubledQuotes()
    {
        await using var app = await AppFactory.StartAsync(azurite, Now);
        await app.PutClinicAsync("clinic-a");
        await SeedRosterAsync(app, "clinic-a", 1);
        var result = await app.ImportAsync("records", "\uFEFFemployee_id,credential,issued_on,expires_on,credential_number\r\ns0001,HIPAA,2025-06-01,,\"CN7731-\"\"A\"\",1\"\r\n");
        Assert.Equal(1, result.GetProperty("created").GetInt32());
        var record = Assert.Single(await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-a"));
        Assert.Equal("CN7731-\"A\",1", record.CredentialNumber);
    }

    [Fact]
    public async Task ProtectedDataUnchangedWhenCsvJsonAndPutBodiesCarryExtraFields()
    {
        await using var app = await AppFactory.StartAsync(azurite, Now);
        await app.PutClinicAsync("clinic-a");
        await app.PutClinicAsync("clinic-b");
        await SeedRosterAsync(app, "clinic-a", 2);

        var csv = await app.ImportAsync("records",
            "employee_id,credential,issued_on,clinic_id,PartitionKey,RowKey,ETag,Timestamp,State,Attempts\n" +
            "s0001,HIPAA,2025-06-01,clinic-b,clinic-b,s0002|HIPAA,*,2020-01-01T00:00:00Z,Sent,99\n");
        Assert.Equal(1, csv.GetProperty("created").GetInt32());
        Assert.True(csv.GetProperty("warnings").GetArrayLength() >= 7);

        var json = await app.ImportAsync("records", JsonSerializer.Serialize(new[]
        {
            new Dictionary<string, object> { ["employee_id"] = "s0002", ["credential"] = "HIPAA", ["issued_on"] = "2025-06-02", ["clinic_id"] = "clinic-b", ["PartitionKey"] = "clinic-b", ["RowKey"] = "x", ["ETag"] = "*", ["Timestamp"] = "2020-01-01", ["State"] = "Sent", ["Verified"] = true },
        }), "application/json");
        Assert.Equal(1, json.GetProperty("created").GetInt32());

        var a = await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-a");
        Assert.Equal(["s0001", "s0002"], a.Select(r => r.EmployeeId).Order().ToList());
        Assert.All(a, r => Assert.False(r.Verified));
        Assert.Empty(await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-b"));
        Assert.Empty(await app.LedgerAsync("clinic-a"));
        Assert.Empty(await app.LedgerAsync("clinic-b"));

        using var hr = app.Hr();
        var staffPut = await hr.PutAsJsonAsync("/api/staff/s0001", new Dictionary<string, object>
        {
            ["first_name"] = "Ann", ["last_name"] = "Lee", ["email"] = "s1@staff.example", ["clinic_id"] = "clinic-a", ["role"] = "front_desk", ["PartitionKey"] = "clinic-b",
        });
        Assert.Equal(HttpStatusCode.BadRequest, staffPut.StatusCode);
        foreach (var extra in new[] { "clinic_id", "PartitionKey", "RowKey", "ETag", "Timestamp", "State", "verified" })
        {
            var put = await hr.PutAsJsonAsync("/api/staff/s0001/credentials/HIPAA", new Dictionary<string, object> { ["issued_on"] = "2025-07-01", [extra] = "clinic-b" });
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        }

        var s1 = await app.Get<IStaffStore>().GetAsync("s0001");
        Assert.Equal("clinic-a", s1!.ClinicId);
        var records = await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-a");
        Assert.Equal(new DateOnly(2025, 6, 1), records.Single(r => r.EmployeeId == "s0001").IssuedOn);
        Assert.Empty(await app.Get<ICredentialRecordStore>().ListByClinicAsync("clinic-b"));
    }

    /// <summary>A records CSV generated on the fly (never held in memory), with or without a Content-Length.</summary>
    private sealed class GeneratedCsvContent : HttpContent
    {
        private readonly long _length;
        private readonly bool _declare;

        public GeneratedCsvContent(long length, bool declareLength)
        {
            _length = length;
            _declare = declareLength;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var header = Encoding.ASCII.GetBytes("employee_id,credential,issued_on,expires_on,credential_number\n");
            var line = Encoding.ASCII.GetBytes("s0001,HIPAA,2025-06-01,,CN7731-00000000000000000000000000000\n");
            var chunk = new byte[64 * 1024];
            for (var i = 0; i + line.Length <= chunk.Length; i += line.Length) line.CopyTo(chunk, i);
            long written = 0;
            try
            {
                await stream.WriteAsync(header);
                written += header.Length;
                while (written < _length)
                {
                    var n = (int)Math.Min(chunk.Length, _length - written);
                    await stream.WriteAsync(chunk.AsMemory(0, n));
                    written += n;
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The server stopped reading after the cap: expected.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return _declare;
        }
    }
}
