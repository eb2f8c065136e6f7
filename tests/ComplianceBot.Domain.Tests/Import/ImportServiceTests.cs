using System.Runtime.CompilerServices;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Import;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Ports;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Import;

public sealed class ImportServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 14, 5, 0, TimeSpan.Zero);
    private static readonly Clinic ClinicA = new("clinic-a", "Clinic A", "America/Chicago", "IL", ["mgr@example.org"], 8, Clinic.MondayToFriday);
    private static readonly ImportRequest Request = new("hr@example.org", DryRun: false);

    private readonly InMemoryClinicStore _clinics = new();
    private readonly InMemoryStaffStore _staff = new();
    private readonly InMemoryCredentialRecordStore _records = new();
    private readonly InMemoryAuditLog _audit = new();

    [Fact]
    public async Task AuditsTheRowsWrittenAsFailedWhenStorageFailsOnTheSecondChunk()
    {
        await _clinics.UpsertAsync(ClinicA);
        var store = new StaffStoreFailingOnCall(_staff, failingCall: 2);
        var import = Service(store, _records);

        var failure = await Assert.ThrowsAsync<IOException>(() => import.ImportRosterAsync(Rows(ImportService.WriteChunk + 500, Person), Request));

        Assert.Same(store.Failure, failure);
        Assert.Equal(ImportService.WriteChunk, (await _staff.ListByClinicAsync(ClinicA.Id)).Count);
        var audit = Assert.Single(_audit.Records);
        Assert.Equal(("import.roster", "clinic-a", "failed"), (audit.Action, audit.ClinicId, audit.Outcome));
        Assert.Equal($"rows={ImportService.WriteChunk + 500} created={ImportService.WriteChunk} updated=0 unchanged=0 rejected=0 error=IOException", audit.Detail);
        Assert.Equal(Now, audit.At);
    }

    [Fact]
    public async Task AuditsTheRecordsWrittenAsFailedWhenTheBodyStopsAfterTheFirstChunk()
    {
        await _clinics.UpsertAsync(ClinicA);
        await _staff.UpsertManyAsync(Enumerable.Range(0, ImportService.WriteChunk + 100).Select(i => new StaffMember($"e{i:D5}", "Pat", "Lee", $"e{i:D5}@example.org", ClinicA.Id, StaffRole.FrontDesk, null, "IL", null, true)).ToList());
        var import = Service(_staff, _records);

        // The client goes away after 2,100 rows: the first chunk of 2,000 is already stored.
        await Assert.ThrowsAsync<IOException>(() => import.ImportRecordsAsync(Rows(ImportService.WriteChunk + 100, Hipaa, thenFail: true), Request));

        Assert.Equal(ImportService.WriteChunk, (await _records.ListByClinicAsync(ClinicA.Id)).Count);
        var audit = Assert.Single(_audit.Records);
        Assert.Equal(("import.records", "clinic-a", "failed"), (audit.Action, audit.ClinicId, audit.Outcome));
        Assert.Equal($"rows={ImportService.WriteChunk + 100} created={ImportService.WriteChunk} updated=0 unchanged=0 rejected=0 error=IOException", audit.Detail);
    }

    [Fact]
    public async Task AuditsOkWithTheCountsWhenEveryChunkIsWritten()
    {
        await _clinics.UpsertAsync(ClinicA);
        var import = Service(_staff, _records);

        var result = await import.ImportRosterAsync(Rows(ImportService.WriteChunk + 500, Person), Request);

        Assert.Equal(ImportService.WriteChunk + 500, result.Created);
        var audit = Assert.Single(_audit.Records);
        Assert.Equal("ok", audit.Outcome);
        Assert.Equal($"rows={ImportService.WriteChunk + 500} created={ImportService.WriteChunk + 500} updated=0 unchanged=0 rejected=0", audit.Detail);
    }

    private ImportService Service(IStaffStore staff, ICredentialRecordStore records) =>
        new(_clinics, staff, records, _audit, CredentialCatalog.Default, new ManualTimeProvider(Now));

    private static Dictionary<string, string?> Person(int i) => new(StringComparer.Ordinal)
    {
        ["employee_id"] = $"e{i:D5}",
        ["first_name"] = "Pat",
        ["last_name"] = "Lee",
        ["email"] = $"e{i:D5}@example.org",
        ["clinic_id"] = "clinic-a",
        ["role"] = "front_desk",
    };

    private static Dictionary<string, string?> Hipaa(int i) => new(StringComparer.Ordinal)
    {
        ["employee_id"] = $"e{i:D5}",
        ["credential"] = "HIPAA",
        ["issued_on"] = "2026-01-15",
    };

    /// <summary>JSON-style rows 1..count; with <paramref name="thenFail"/> the body breaks off after them, as a dropped connection does.</summary>
    private static async IAsyncEnumerable<RawRow> Rows(int count, Func<int, Dictionary<string, string?>> fields, bool thenFail = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new RawRow(i + 1, fields(i));
        }

        if (thenFail) throw new IOException("The client closed the connection.");
    }

    /// <summary>The in-memory store, except that one call of <see cref="UpsertManyAsync"/> fails as storage does and writes nothing.</summary>
    private sealed class StaffStoreFailingOnCall(IStaffStore inner, int failingCall) : IStaffStore
    {
        private int _calls;

        public IOException Failure { get; } = new("Storage did not answer.");

        public Task<StaffMember?> GetAsync(string employeeId, CancellationToken cancellationToken = default) => inner.GetAsync(employeeId, cancellationToken);

        public Task<IReadOnlyDictionary<string, string>> ClinicsByEmployeeAsync(CancellationToken cancellationToken = default) => inner.ClinicsByEmployeeAsync(cancellationToken);

        public Task<IReadOnlyList<StaffMember>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default) => inner.ListByClinicAsync(clinicId, cancellationToken);

        public Task<Versioned<StaffMember>?> GetVersionedAsync(string employeeId, CancellationToken cancellationToken = default) => inner.GetVersionedAsync(employeeId, cancellationToken);

        public Task<ConditionalWrite> PutAsync(StaffMember member, WritePrecondition precondition, CancellationToken cancellationToken = default) => inner.PutAsync(member, precondition, cancellationToken);

        public Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default) =>
            ++_calls == failingCall ? throw Failure : inner.UpsertManyAsync(staff, cancellationToken);
    }
}
