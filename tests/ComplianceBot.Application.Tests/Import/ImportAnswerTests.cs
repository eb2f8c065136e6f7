using System.Text;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Files;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Import;

/// <summary>What an import answers HR: a missing column once for the header, extra cells by position, and who was created, updated or moved.</summary>
public sealed class ImportAnswerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 14, 5, 0, TimeSpan.Zero);
    private static readonly Clinic ClinicA = new("clinic-a", "Clinic A", "America/Chicago", "IL", ["mgr@example.org"], 8, Clinic.MondayToFriday);
    private static readonly Clinic ClinicB = ClinicA with { Id = "clinic-b", Name = "Clinic B" };

    private readonly InMemoryClinicStore _clinics = new();
    private readonly InMemoryStaffStore _staff = new();
    private readonly InMemoryCredentialRecordStore _records = new();
    private readonly InMemoryAuditLog _audit = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReportsAMissingEmailColumnOnceForTheHeaderAndImportsNothing(bool dryRun)
    {
        await _clinics.UpsertAsync(ClinicA);

        var result = await RosterAsync(dryRun,
            "employee_id,first_name,last_name,clinic_id,role",
            "e1,Pat,Lee,clinic-a,nurse",
            "e2,Al,Ng,clinic-a,nurse",
            "e3,Jo,Lane,clinic-a,nurse");

        var error = Assert.Single(result.Rejected);
        Assert.Equal(1, error.Row);
        Assert.Equal("email", error.Field);
        Assert.StartsWith("the header has no email column; a roster needs the columns employee_id, first_name, last_name, email, clinic_id and role.", error.Reason, StringComparison.Ordinal);
        Assert.Equal(["email"], result.MissingColumns);
        Assert.Equal(3, result.RejectedCount);
        Assert.Equal((0, 0), (result.Accepted, result.Created));
        Assert.True(result.AllRejected);
        Assert.Empty(await _staff.ListByClinicAsync(ClinicA.Id));
    }

    [Fact]
    public async Task ReportsEachMissingRecordsColumnOnceAndAcceptsAnAliasOrTheExpiryDateInstead()
    {
        var missing = await RecordsAsync(
            "employee_id,issued,credential_number",
            "e1,2026-01-15,X1",
            "e2,2026-01-15,X2");

        Assert.Equal(["credential", "issued_on"], missing.MissingColumns);
        Assert.Equal([(1, "credential"), (1, "issued_on")], missing.Rejected.Select(r => (r.Row, r.Field)));
        Assert.Contains("credential_code or code would do too", missing.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("issued_on, completed_on or expires_on column", missing.Rejected[1].Reason, StringComparison.Ordinal);
        Assert.Equal(2, missing.RejectedCount);

        // The same rows under other accepted names: no header error, each row judged on its own.
        var aliased = await RecordsAsync("employee_id,code,expires_on", "e1,BLS,2027-01-31");
        Assert.Empty(aliased.MissingColumns);
        Assert.Equal("employee_id", Assert.Single(aliased.Rejected).Field);
    }

    [Fact]
    public async Task KeepsReportingAMissingFieldPerRowInJsonWhichHasNoHeader()
    {
        await _clinics.UpsertAsync(ClinicA);
        var json = """[{"employee_id":"e1","first_name":"Pat","last_name":"Lee","clinic_id":"clinic-a","role":"nurse"}]""";

        var result = await Service().ImportRosterAsync(TabularReader.ReadAsync(Body(json), TabularFormat.Json), new ImportRequest("hr@example.org", DryRun: false));

        Assert.Empty(result.MissingColumns);
        Assert.Equal(new RowError(1, "email", "is required"), Assert.Single(result.Rejected));
    }

    [Fact]
    public async Task NamesTheColumnAndValueOfAnExtraCell()
    {
        await _clinics.UpsertAsync(ClinicA);
        var longValue = new string('x', 60);

        var result = await RosterAsync(false,
            "employee_id,first_name,last_name,email,clinic_id,role",
            "e1,Pat,Lee,Jr.,pat@example.org,clinic-a,nurse",
            $"e2,Al,Ng,al@example.org,clinic-a,nurse,,{longValue}");

        Assert.Equal(2, result.RejectedCount);
        Assert.All(result.Rejected, r => Assert.Equal("(row)", r.Field));
        Assert.StartsWith("the row has 7 cells but the header names 6 columns: column 7 holds 'nurse'.", result.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith($"the row has 8 cells but the header names 6 columns: column 8 holds '{new string('x', 40)}…'.", result.Rejected[1].Reason, StringComparison.Ordinal);
        Assert.Contains("double quotes", result.Rejected[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StillCountsTheColumnsOfARowWithTooFewCells()
    {
        await _clinics.UpsertAsync(ClinicA);

        var result = await RosterAsync(false, "employee_id,first_name,last_name,email,clinic_id,role", "e1,Pat,Lee");

        Assert.Equal(new RowError(2, "(row)", "expected 6 columns as in the header, found 3"), Assert.Single(result.Rejected));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListsWhoWasCreatedUpdatedAndMovedWithTheirRows(bool dryRun)
    {
        await _clinics.UpsertAsync(ClinicA);
        await _clinics.UpsertAsync(ClinicB);
        await _staff.UpsertManyAsync(
        [
            new StaffMember("e1", "Pat", "Lee", "e1@example.org", "clinic-a", StaffRole.Nurse, null, "IL", null, true),
            new StaffMember("e2", "Al", "Ng", "e2@example.org", "clinic-a", StaffRole.Nurse, null, "IL", null, true),
            new StaffMember("e3", "Jo", "Lane", "e3@example.org", "clinic-a", StaffRole.Nurse, null, "IL", null, true),
        ]);

        var result = await RosterAsync(dryRun,
            "employee_id,first_name,last_name,email,clinic_id,role",
            "e1,Pat,Lee,e1@example.org,clinic-a,nurse",      // unchanged
            "e2,Alan,Ng,e2@example.org,clinic-a,nurse",      // updated
            "e3,Jo,Lane,e3@example.org,clinic-b,nurse",      // moved
            "e4,Bo,Berg,e4@example.org,clinic-b,front_desk"); // created

        Assert.Equal((1, 2, 1), (result.Created, result.Updated, result.Unchanged));
        Assert.Equal([new ImportedRow(5, "e4", "clinic-b")], result.CreatedRows);
        Assert.Equal([new ImportedRow(3, "e2", "clinic-a"), new ImportedRow(4, "e3", "clinic-b")], result.UpdatedRows);
        Assert.Equal([new MovedRow(4, "e3", "clinic-a", "clinic-b")], result.MovedRows);
        Assert.Equal(1, result.MovedCount);
    }

    [Fact]
    public async Task ListsTheCreatedAndUpdatedRecordsWithTheirCredential()
    {
        await _clinics.UpsertAsync(ClinicA);
        await _staff.UpsertManyAsync([new StaffMember("e1", "Pat", "Lee", "e1@example.org", "clinic-a", StaffRole.Nurse, null, "IL", null, true)]);
        await RecordsAsync("employee_id,credential,issued_on", "e1,HIPAA,2026-01-15");

        var result = await RecordsAsync("employee_id,credential,issued_on", "e1,HIPAA,2026-02-01", "e1,BLS,2026-01-20");

        Assert.Equal([new ImportedRow(3, "e1", "clinic-a", "BLS")], result.CreatedRows);
        Assert.Equal([new ImportedRow(2, "e1", "clinic-a", "HIPAA")], result.UpdatedRows);
        Assert.Empty(result.MovedRows);
    }

    [Fact]
    public async Task ListsTheFirstThousandCreatedRowsAndCountsThemAll()
    {
        await _clinics.UpsertAsync(ClinicA);
        await _clinics.UpsertAsync(ClinicB);
        var lines = Enumerable.Range(0, ImportService.WriteChunk + 700)
            .Select(i => $"e{i:D5},Pat,Lee,e{i:D5}@example.org,{(i % 2 == 0 ? "clinic-a" : "clinic-b")},nurse");

        var result = await RosterAsync(false, ["employee_id,first_name,last_name,email,clinic_id,role", .. lines]);

        Assert.Equal(ImportService.WriteChunk + 700, result.Created);
        Assert.Equal(ImportResult.MaxListedRows, result.CreatedRows.Count);
        Assert.Equal(Enumerable.Range(2, ImportResult.MaxListedRows), result.CreatedRows.Select(r => r.Row));
    }

    private ImportService Service() =>
        new(_clinics, _staff, _records, _audit, CredentialCatalog.Default, new ManualTimeProvider(Now));

    private Task<ImportResult> RosterAsync(bool dryRun, params string[] lines) =>
        Service().ImportRosterAsync(TabularReader.ReadAsync(Body(string.Join("\r\n", lines)), TabularFormat.Csv), new ImportRequest("hr@example.org", dryRun));

    private Task<ImportResult> RecordsAsync(params string[] lines) =>
        Service().ImportRecordsAsync(TabularReader.ReadAsync(Body(string.Join("\r\n", lines)), TabularFormat.Csv), new ImportRequest("hr@example.org", DryRun: false));

    private static MemoryStream Body(string text) => new(Encoding.UTF8.GetBytes(text));
}
