using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Import;
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

    private async Task<ImportResult> ImportRosterAsync(params Dictionary<string, string?>[] rows)
    {
        await _clinics.UpsertAsync(ClinicA);
        var service = new ImportService(_clinics, _staff, _records, new InMemoryAuditLog(), CredentialCatalog.Default, new ManualTimeProvider(new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.Zero)));
        return await service.ImportRosterAsync(Rows(rows), new ImportRequest("hr@example.org", DryRun: false));
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
