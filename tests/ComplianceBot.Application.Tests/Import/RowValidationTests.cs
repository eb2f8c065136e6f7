using ComplianceBot.Domain.Catalog;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Model;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Import;

/// <summary>What one roster or records row may hold: each refusal names the row, the column and the reason.</summary>
public sealed class RowValidationTests
{
    private static readonly Clinic ClinicA = new("clinic-a", "Clinic A", "America/Chicago", "IL", ["mgr@example.org"], 8, Clinic.MondayToFriday);

    private readonly InMemoryClinicStore _clinics = new();
    private readonly InMemoryStaffStore _staff = new();
    private readonly InMemoryCredentialRecordStore _records = new();

    [Theory]
    [InlineData("boss@clinic", "'boss@clinic' is not a valid email address: it has no dot in its domain (such as clinic.org)")]
    [InlineData("josé@clinic.org", "'josé@clinic.org' is not a valid email address: it contains a non-ASCII character such as é: use the plain ASCII address the mailbox also answers to")]
    public async Task RefusesARosterEmailTheSendersWouldRefuse(string email, string reason)
    {
        var result = await ImportRosterAsync(Person(email: email));

        var error = Assert.Single(result.Rejected);
        Assert.Equal(new RowError(2, "email", reason), error);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("2024-07-15", "2024-07-15")]
    [InlineData("7/15/2024", "2024-07-15")]
    public async Task KeepsTheTestingStartDateGivenOrLeavesItToTheHireDate(string? given, string? stored)
    {
        var row = Person(role: "lab_technician");
        row["hire_date"] = "2024-01-15";
        row["testing_start_date"] = given;

        var result = await ImportRosterAsync(row);

        Assert.Equal(1, result.Created);
        var person = await _staff.GetAsync("E1");
        Assert.Equal(stored is null ? null : DateOnly.Parse(stored, System.Globalization.CultureInfo.InvariantCulture), person!.TestingStartDate);
    }

    [Theory]
    [InlineData("soon", "'soon' is not a date (YYYY-MM-DD or M/D/YYYY)")]
    [InlineData("2024-01-14", "2024-01-14 is before hire_date 2024-01-15")]
    public async Task RefusesATestingStartDateThatIsNotADateOrPrecedesHire(string given, string reason)
    {
        var row = Person(role: "lab_technician");
        row["hire_date"] = "2024-01-15";
        row["testing_start_date"] = given;

        var result = await ImportRosterAsync(row);

        Assert.Equal(new RowError(2, "testing_start_date", reason), Assert.Single(result.Rejected));
    }

    [Theory]
    [InlineData("9999-12-31", "9999-12-31 is outside 1900-01-01 to 2199-12-31; leave the cell empty when there is no date")]
    [InlineData("1/1/0001", "0001-01-01 is outside 1900-01-01 to 2199-12-31; leave the cell empty when there is no date")]
    [InlineData("12/31/1899", "1899-12-31 is outside 1900-01-01 to 2199-12-31; leave the cell empty when there is no date")]
    public async Task RefusesAPlaceholderHireDateAndKeepsTheOtherRows(string given, string reason)
    {
        var bad = Person();
        bad["hire_date"] = given;
        var good = Person(email: "ana.diaz@example.org");
        good["employee_id"] = "E2";
        good["hire_date"] = "2199-12-31";

        var result = await ImportRosterAsync(bad, good);

        Assert.Equal(new RowError(2, "hire_date", reason), Assert.Single(result.Rejected));
        Assert.Equal(1, result.Created);
        Assert.NotNull(await _staff.GetAsync("E2"));
    }

    [Theory]
    [InlineData("expires_on", "0001-01-01")]
    [InlineData("issued_on", "1/1/0001")]
    [InlineData("certified_on", "9999-12-31")]
    public async Task RefusesAPlaceholderRecordDateNamingTheColumn(string column, string given)
    {
        await ImportRosterAsync(Person(role: "medical_assistant"));
        var row = new Dictionary<string, string?>(StringComparer.Ordinal) { ["employee_id"] = "E1", ["credential"] = "RMA", ["issued_on"] = "2026-02-10" };
        row[column] = given;

        var result = await Service().ImportRecordsAsync(Rows([row]), new ImportRequest("hr@example.org", DryRun: false));

        var error = Assert.Single(result.Rejected);
        Assert.Equal((2, column), (error.Row, error.Field));
        Assert.Contains("is outside 1900-01-01 to 2199-12-31", error.Reason, StringComparison.Ordinal);
        Assert.Empty(await _records.ListByClinicAsync("clinic-a"));
    }

    [Fact]
    public async Task KeepsAnRmasOriginalCertificationDateApartFromTheDuesDate()
    {
        await ImportRosterAsync(Person(role: "medical_assistant"));

        var result = await Service().ImportRecordsAsync(
            Rows([new(StringComparer.Ordinal) { ["employee_id"] = "E1", ["credential"] = "RMA", ["issued_on"] = "2026-02-10", ["certified_on"] = "2004-05-01" }]),
            new ImportRequest("hr@example.org", DryRun: false));

        Assert.Equal(1, result.Created);
        var record = Assert.Single(await _records.ListByClinicAsync("clinic-a"));
        Assert.Equal((new DateOnly(2026, 2, 10), new DateOnly(2004, 5, 1)), (record.IssuedOn!.Value, record.CertifiedOn!.Value));
    }

    [Fact]
    public async Task RefusesACertificationDateAfterTheIssueDate()
    {
        await ImportRosterAsync(Person(role: "medical_assistant"));

        var result = await Service().ImportRecordsAsync(
            Rows([new(StringComparer.Ordinal) { ["employee_id"] = "E1", ["credential"] = "RMA", ["issued_on"] = "2026-02-10", ["certified_on"] = "2026-03-01" }]),
            new ImportRequest("hr@example.org", DryRun: false));

        Assert.Equal(
            new RowError(2, "certified_on", "2026-03-01 is after issued_on 2026-02-10: the original certification comes first"),
            Assert.Single(result.Rejected));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    public async Task RefusesAnEmployeeIdOfOnlyDotsWhichNoAddressCouldReach(string id)
    {
        var row = Person();
        row["employee_id"] = id;

        var result = await ImportRosterAsync(row);

        Assert.Equal(new RowError(2, "employee_id", Ids.EmployeeIdRule), Assert.Single(result.Rejected));
        Assert.Contains("not only dots", Ids.EmployeeIdRule, StringComparison.Ordinal);
        Assert.True(Ids.IsEmployeeId("j.doe") && Ids.IsEmployeeId(".5"));
    }

    [Theory]
    [InlineData("2026-03-04", "2026-03-04 is in the future")]
    [InlineData("1/1/0001", "0001-01-01 is outside 1900-01-01 to 2199-12-31; leave the cell empty when there is no date")]
    [InlineData("2026-03-03", null)]
    public async Task RefusesAnIssueDateInTheFutureBeyondADaysMarginOrInYearOne(string issued, string? reason)
    {
        await ImportRosterAsync(Person(role: "medical_assistant"));
        var row = new Dictionary<string, string?>(StringComparer.Ordinal) { ["employee_id"] = "E1", ["credential"] = "RMA", ["issued_on"] = issued };

        var result = await Service().ImportRecordsAsync(Rows([row]), new ImportRequest("hr@example.org", DryRun: false));

        Assert.Equal(reason is null ? [] : [new RowError(2, "issued_on", reason)], result.Rejected);
    }

    private ImportService Service() =>
        new(_clinics, _staff, _records, new InMemoryAuditLog(), CredentialCatalog.Default, new ManualTimeProvider(new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.Zero)));

    private async Task<ImportResult> ImportRosterAsync(params Dictionary<string, string?>[] rows)
    {
        await _clinics.UpsertAsync(ClinicA);
        return await Service().ImportRosterAsync(Rows(rows), new ImportRequest("hr@example.org", DryRun: false));
    }

    private static Dictionary<string, string?> Person(string email = "pat.lee@example.org", string role = "front_desk") => new(StringComparer.Ordinal)
    {
        ["employee_id"] = "E1",
        ["first_name"] = "Pat",
        ["last_name"] = "Lee",
        ["email"] = email,
        ["clinic_id"] = "clinic-a",
        ["role"] = role,
    };

    // CSV numbering: the header is row 1, so the first data row is row 2.
    private static async IAsyncEnumerable<RawRow> Rows(Dictionary<string, string?>[] rows)
    {
        for (var i = 0; i < rows.Length; i++)
        {
            await Task.Yield();
            yield return new RawRow(i + 2, rows[i]);
        }
    }
}
