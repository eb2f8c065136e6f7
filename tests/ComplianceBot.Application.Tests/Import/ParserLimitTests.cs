using System.Diagnostics;
using System.Text;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Files;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Import;

/// <summary>What a hostile or broken file costs: columns and cells are capped, warnings are listed like rejected rows, and a cancelled import stops.</summary>
public sealed class ParserLimitTests
{
    private const string Header = "employee_id,first_name,last_name,email,clinic_id,role";
    private static readonly Clinic ClinicA = new("clinic-a", "Clinic A", "America/Chicago", "IL", ["mgr@example.org"], 8, Clinic.MondayToFriday);

    private readonly InMemoryClinicStore _clinics = new();
    private readonly InMemoryStaffStore _staff = new();

    [Fact]
    public async Task RefusesAHeaderOfMoreColumnsThanTheCapWithoutHoldingThemAll()
    {
        var body = new MemoryStream(Encoding.UTF8.GetBytes(new string(',', 2_000_000)));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = await Assert.ThrowsAsync<UnreadableImportException>(async () =>
        {
            await foreach (var _ in TabularReader.ReadAsync(body, TabularFormat.Csv))
            {
            }
        });

        Assert.StartsWith($"The header names more than {TabularReader.MaxColumns} columns", ex.Message, StringComparison.Ordinal);
        // 2 MB of commas is 4 MB as chars: the parser must not have held them, nor a string per cell.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 500_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task RejectsARowOfMoreCellsThanTheCapAsOneRowAndKeepsTheNextRow()
    {
        await _clinics.UpsertAsync(ClinicA);

        var result = await RosterAsync(Header, "e1,Pat,Lee,pat@example.org,clinic-a,nurse" + new string(',', 100_000), "e2,Al,Ng,al@example.org,clinic-a,nurse");

        var error = Assert.Single(result.Rejected);
        Assert.Equal((2, "(row)"), (error.Row, error.Field));
        Assert.StartsWith($"the row has more than {TabularReader.MaxColumns} cells", error.Reason, StringComparison.Ordinal);
        Assert.Equal(1, result.Created);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RejectsACellLongerThanTheCapNamingItsColumnAndKeepsTheNextRow(bool quoted)
    {
        await _clinics.UpsertAsync(ClinicA);
        var huge = new string('x', 1_000_000);
        var cell = quoted ? $"\"{huge},\r\n\"\"{huge}\"" : huge;

        var result = await RosterAsync(Header, $"e1,{cell},Lee,pat@example.org,clinic-a,nurse", "e2,Al,Ng,al@example.org,clinic-a,nurse");

        Assert.Equal(new RowError(2, "first_name", $"value is longer than {TabularReader.MaxCellCharacters:N0} characters; the limit is {ImportService.MaxCellLength}"), Assert.Single(result.Rejected));
        Assert.Equal(1, result.Created);
    }

    [Fact]
    public async Task PassesCellsAndRowsUnderTheCapsUnchanged()
    {
        await _clinics.UpsertAsync(ClinicA);
        var extra = string.Join(",", Enumerable.Range(0, TabularReader.MaxColumns - 6).Select(i => $"x{i}"));
        var values = string.Join(",", Enumerable.Range(0, TabularReader.MaxColumns - 6).Select(i => i == 0 ? "\"" + new string('q', TabularReader.MaxCellCharacters - 2) + "\"\"\"" : "\"a,\r\nb\""));

        var result = await RosterAsync(Header + "," + extra, "e1,Pat,Lee,pat@example.org,clinic-a,nurse," + values);

        // The long cell came through whole (its quotes undone), so the import's own limit is what refuses it.
        Assert.Equal(new RowError(2, "x0", $"value is {TabularReader.MaxCellCharacters - 1:N0} characters long; the limit is {ImportService.MaxCellLength}"), Assert.Single(result.Rejected));
        Assert.Equal(TabularReader.MaxColumns - 6, result.WarningCount);
    }

    [Fact]
    public async Task ListsTheFirstThousandWarningsAndCountsThemAll()
    {
        await _clinics.UpsertAsync(ClinicA);
        var rows = Enumerable.Range(0, 1500).Select(i => new RawRow(i + 1, new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["employee_id"] = $"e{i}", ["first_name"] = "Pat", ["last_name"] = "Lee", ["email"] = $"e{i}@example.org", ["clinic_id"] = "clinic-a", ["role"] = "nurse", [$"odd_{i}"] = "x",
        }));

        var result = await Service().ImportRosterAsync(rows.ToAsyncEnumerable(), new ImportRequest("hr@example.org", DryRun: true));

        Assert.Equal(ImportResult.MaxReportedErrors, result.Warnings.Count);
        Assert.Equal(1500, result.WarningCount);
    }

    [Fact]
    public async Task ChecksColumnsWithoutAHeaderInLinearTime()
    {
        await _clinics.UpsertAsync(ClinicA);
        var blanks = new string(',', TabularReader.MaxColumns - 6);
        var row = "e{0},Pat,Lee,e{0}@example.org,clinic-a,nurse" + string.Concat(Enumerable.Repeat(",v", TabularReader.MaxColumns - 6));
        var lines = new[] { Header + blanks }.Concat(Enumerable.Range(0, 5000).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, row, i))).ToArray();

        var clock = Stopwatch.StartNew();
        var result = await RosterAsync(lines);

        Assert.Equal(5000, result.Accepted);
        Assert.Equal(TabularReader.MaxColumns - 6, result.WarningCount);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task StopsReadingRowsOnceTheImportIsCancelled()
    {
        await _clinics.UpsertAsync(ClinicA);
        using var cancel = new CancellationTokenSource();
        var pulled = 0;

        // A source that ignores the token, as any reader might: the import loop itself must stop.
        async IAsyncEnumerable<RawRow> Rows()
        {
            for (var i = 0; i < 1_000_000; i++)
            {
                pulled++;
                if (pulled == 100) await cancel.CancelAsync();
                yield return new RawRow(i + 2, new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["employee_id"] = $"e{i}", ["first_name"] = "Pat", ["last_name"] = "Lee", ["email"] = $"e{i}@example.org", ["clinic_id"] = "clinic-a", ["role"] = "nurse",
                });
            }
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Service().ImportRosterAsync(Rows(), new ImportRequest("hr@example.org", DryRun: false), cancel.Token));

        Assert.Equal(100, pulled);
        Assert.Empty(await _staff.ListByClinicAsync(ClinicA.Id));
    }

    [Fact]
    public async Task StopsInsideOneEndlessRowOnceCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var body = new CancellingStream(Encoding.UTF8.GetBytes("employee_id" + new string(',', 8_000_000)), cancel, cancelAfterBytes: 100_000);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in TabularReader.ReadAsync(body, TabularFormat.Csv, cancel.Token))
            {
            }
        });

        Assert.True(body.Position < 1_000_000, $"read {body.Position:N0} bytes after the cancel");
    }

    [Fact]
    public async Task RefusesAJsonRowThatGivesAFieldTwiceNamingTheField()
    {
        var json = """[{"employee_id":"e1","first_name":"Pat","last_name":"Lee","email":"a@x.org","Email":"b@x.org","clinic_id":"clinic-a","role":"nurse"}]""";
        var rows = new List<RawRow>();
        await foreach (var row in TabularReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), TabularFormat.Json)) rows.Add(row);

        var error = Assert.Single(rows).StructuralError;
        Assert.Equal((1, "email"), (error?.Row, error?.Field));
        Assert.StartsWith("is given twice in this row", error!.Reason, StringComparison.Ordinal);
    }

    private ImportService Service() =>
        new(_clinics, _staff, new InMemoryCredentialRecordStore(), new InMemoryAuditLog(), CredentialCatalog.Default, new ManualTimeProvider(new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.Zero)));

    private Task<ImportResult> RosterAsync(params string[] lines) =>
        Service().ImportRosterAsync(TabularReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\r\n", lines))), TabularFormat.Csv), new ImportRequest("hr@example.org", DryRun: true));

    /// <summary>A body that cancels the import once this many bytes were read.</summary>
    private sealed class CancellingStream(byte[] data, CancellationTokenSource cancel, int cancelAfterBytes) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= cancelAfterBytes) cancel.Cancel();
            return base.Read(buffer, offset, count);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= cancelAfterBytes) cancel.Cancel();
            return base.ReadAsync(buffer, cancellationToken);
        }
    }
}
