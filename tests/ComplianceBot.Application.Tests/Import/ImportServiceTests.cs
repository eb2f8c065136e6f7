using System.Runtime.CompilerServices;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Application.Import;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
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
        var audit = Finished();
        Assert.Equal(("import.roster", "clinic-a", "failed"), (audit.Action, audit.ClinicId, audit.Outcome));
        Assert.Equal($"rows={ImportService.WriteChunk + 500} created={ImportService.WriteChunk} updated=0 unchanged=0 rejected=0 error=IOException", WithoutImportId(audit.Detail));
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
        var audit = Finished();
        Assert.Equal(("import.records", "clinic-a", "failed"), (audit.Action, audit.ClinicId, audit.Outcome));
        Assert.Equal($"rows={ImportService.WriteChunk + 100} created={ImportService.WriteChunk} updated=0 unchanged=0 rejected=0 error=IOException", WithoutImportId(audit.Detail));
    }

    [Fact]
    public async Task AuditsOkWithTheCountsWhenEveryChunkIsWritten()
    {
        await _clinics.UpsertAsync(ClinicA);
        var import = Service(_staff, _records);

        var result = await import.ImportRosterAsync(Rows(ImportService.WriteChunk + 500, Person), Request);

        Assert.Equal(ImportService.WriteChunk + 500, result.Created);
        var audit = Finished();
        Assert.Equal("ok", audit.Outcome);
        Assert.Equal($"rows={ImportService.WriteChunk + 500} created={ImportService.WriteChunk + 500} updated=0 unchanged=0 rejected=0", WithoutImportId(audit.Detail));
    }

    [Fact]
    public async Task WritesOneAuditRecordForAnImportOfSeveralClinicsNamingThem()
    {
        var clinicB = ClinicA with { Id = "clinic-b", Name = "Clinic B" };
        await _clinics.UpsertAsync(ClinicA);
        await _clinics.UpsertAsync(clinicB);
        var import = Service(_staff, _records);

        await import.ImportRosterAsync(Rows(4, i => new Dictionary<string, string?>(Person(i)) { ["clinic_id"] = i % 2 == 0 ? "clinic-b" : "clinic-a" }), Request);

        var audit = Finished();
        Assert.Equal(("import.roster", AuditRecord.Organization, "ok"), (audit.Action, audit.ClinicId, audit.Outcome));
        Assert.Equal("rows=4 created=4 updated=0 unchanged=0 rejected=0 clinics=2: clinic-a,clinic-b", WithoutImportId(audit.Detail));
    }

    [Fact]
    public void ClinicListStopsBeforeTheAuditRecordsLimitAndSaysHowManyMore()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"clinic-{i:D4}-with-a-long-name").ToList();

        var list = ImportService.ClinicList(ids);

        Assert.True(list.Length <= ImportService.MaxAuditClinicListLength + 20, $"{list.Length} characters");
        Assert.StartsWith("clinics=2000: clinic-0000-with-a-long-name,clinic-0001-with-a-long-name,", list, StringComparison.Ordinal);
        var shown = list.Split(' ')[1].Split(',').Length;
        Assert.EndsWith($"…(+{2000 - shown} more)", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadsTheNextChunkWhileOneIsWrittenAndWritesOneChunkAtATime()
    {
        await _clinics.UpsertAsync(ClinicA);
        var rowsRead = 0;
        var readPastFirstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new SlowStaffStore(_staff, () => readPastFirstChunk.Task);
        var import = Service(store, _records);

        async IAsyncEnumerable<RawRow> Counted()
        {
            await foreach (var row in Rows((3 * ImportService.WriteChunk) + 10, Person))
            {
                if (++rowsRead == ImportService.WriteChunk + 100) readPastFirstChunk.TrySetResult();
                yield return row;
            }
        }

        // The first chunk's write waits until rows of the second have been read: a loop that awaited each
        // write before reading on would never get there.
        var result = await import.ImportRosterAsync(Counted(), Request).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((3 * ImportService.WriteChunk) + 10, result.Created);
        Assert.Equal(4, store.Calls);
        Assert.Equal(1, store.MostAtOnce);
    }

    [Fact]
    public async Task WritesRecordsOfManyClinicsAtMostWriteConcurrencyAtOnceAcrossChunks()
    {
        var (people, rows) = await ManyClinicsAsync();
        var store = new CountingRecordStore(_records);
        var import = Service(_staff, store);

        var result = await import.ImportRecordsAsync(Rows(rows, i => new Dictionary<string, string?>(Hipaa(i)) { ["employee_id"] = people[i] }), Request);

        Assert.Equal(rows, result.Created);
        Assert.Equal(rows, (await Task.WhenAll(Enumerable.Range(0, 60).Select(c => _records.ListByClinicAsync($"clinic-{c:D2}")))).Sum(r => r.Count));
        Assert.InRange(store.MostAtOnce, 2, ImportService.WriteConcurrency);
    }

    [Fact]
    public async Task ReportsTheStorageFailureAndAuditsWhatWasWrittenWhenOneClinicFails()
    {
        var (people, rows) = await ManyClinicsAsync();
        var store = new CountingRecordStore(_records, failClinic: "clinic-37");
        var import = Service(_staff, store);

        var failure = await Assert.ThrowsAsync<IOException>(() => import.ImportRecordsAsync(Rows(rows, i => new Dictionary<string, string?>(Hipaa(i)) { ["employee_id"] = people[i] }), Request));

        Assert.Same(store.Failure, failure);
        var stored = (await Task.WhenAll(Enumerable.Range(0, 60).Select(c => _records.ListByClinicAsync($"clinic-{c:D2}")))).Sum(r => r.Count);
        Assert.InRange(stored, 1, rows - 1);
        var audit = Finished();
        Assert.Equal(("import.records", AuditRecord.Organization, "failed"), (audit.Action, audit.ClinicId, audit.Outcome));
        Assert.Contains($" created={stored} ", audit.Detail, StringComparison.Ordinal);
    }

    /// <summary>The one finish record of the import (its start record aside), checked to carry the start's import id.</summary>
    private AuditRecord Finished()
    {
        var started = Assert.Single(_audit.Records, r => r.Action.EndsWith(ImportService.StartedSuffix, StringComparison.Ordinal));
        var finished = Assert.Single(_audit.Records, r => !r.Action.EndsWith(ImportService.StartedSuffix, StringComparison.Ordinal));
        Assert.Equal(started.Detail!.Split(' ')[0], finished.Detail!.Split(' ')[0]);
        return finished;
    }

    /// <summary>An import's audit detail without its leading <c>import=id</c>.</summary>
    private static string? WithoutImportId(string? detail) =>
        detail is not null && detail.StartsWith("import=", StringComparison.Ordinal) ? detail[(detail.IndexOf(' ', StringComparison.Ordinal) + 1)..] : detail;

    [Fact]
    public async Task RecordsTheImportAsStartedBeforeItsFirstWriteWithWhoAndKind()
    {
        await _clinics.UpsertAsync(ClinicA);
        var seenAtFirstWrite = new List<AuditRecord>();
        var store = new SlowStaffStore(_staff, () =>
        {
            lock (seenAtFirstWrite) if (seenAtFirstWrite.Count == 0) seenAtFirstWrite.AddRange(_audit.Records);
            return Task.CompletedTask;
        });

        var result = await Service(store, _records).ImportRosterAsync(Rows(3, Person), Request);

        var started = Assert.Single(seenAtFirstWrite);
        Assert.Equal(("import.roster.started", AuditRecord.Organization, "started", "hr@example.org"), (started.Action, started.ClinicId, started.Outcome, started.Actor));
        Assert.Equal($"import={result.ImportId} kind=roster rows=unknown", started.Detail);
        Assert.StartsWith($"import={result.ImportId} rows=3 ", Finished().Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListsAnImportThatStartedMoreThanAMinuteAgoAndNeverFinishedAsUnfinished()
    {
        await _clinics.UpsertAsync(ClinicA);
        var clock = new ManualTimeProvider(Now);
        var import = Service(_staff, _records, clock);

        // One import finishes; a second is killed part-way (the process dies: no finish, not even "failed").
        await import.ImportRosterAsync(Rows(2, Person), Request);
        await _audit.AppendAsync(new AuditRecord(Now, "hr2@example.org", "import.records.started", AuditRecord.Organization, "file", "started", "import=deadbeef0001 kind=records rows=unknown"));

        Assert.Empty(await import.ListUnfinishedAsync());
        clock.Advance(TimeSpan.FromSeconds(61));
        var unfinished = Assert.Single(await import.ListUnfinishedAsync());
        Assert.Equal(new UnfinishedImport("deadbeef0001", Now, "hr2@example.org", "records"), unfinished);

        clock.Advance(ImportService.UnfinishedLookback);
        Assert.Empty(await import.ListUnfinishedAsync());
    }

    [Fact]
    public async Task RejectsTheRowsThatLostARaceForTheirPersonNamingTheRowAndStoresTheOthers()
    {
        await _clinics.UpsertAsync(ClinicA);
        var store = new StaffStoreLosingIds(_staff, "e00001");

        var result = await Service(store, _records).ImportRosterAsync(Rows(3, Person), Request);

        Assert.Equal((2, 1, 1), (result.Created, result.RejectedCount, result.ConflictCount));
        var lost = Assert.Single(result.Rejected);
        Assert.Equal((2, "employee_id"), (lost.Row, lost.Field));
        Assert.Contains("another upload put e00001 into another clinic at the same moment", lost.Reason, StringComparison.Ordinal);
        Assert.Equal(("partial", "rows=3 created=2 updated=0 unchanged=0 rejected=1"), (Finished().Outcome, WithoutImportId(Finished().Detail)));
    }

    /// <summary>The in-memory store, except that the given ids lose their claim to a concurrent import.</summary>
    private sealed class StaffStoreLosingIds(IStaffStore store, params string[] losing) : ForwardingStaffStore(store)
    {
        public override async Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default)
        {
            var written = await base.UpsertManyAsync(staff.Where(s => !losing.Contains(s.EmployeeId)).ToList(), cancellationToken);
            var next = 0;
            return staff.Select(s => losing.Contains(s.EmployeeId) ? WriteOutcome.Conflict : written[next++]).ToList();
        }
    }

    /// <summary>60 clinics of 100 people each (clinic-00 .. clinic-59), one record row per person, in clinic order: three chunks.</summary>
    private async Task<(string[] People, int Rows)> ManyClinicsAsync()
    {
        var people = new List<StaffMember>();
        for (var c = 0; c < 60; c++)
        {
            await _clinics.UpsertAsync(ClinicA with { Id = $"clinic-{c:D2}" });
            people.AddRange(Enumerable.Range(0, 100).Select(p => new StaffMember($"c{c:D2}p{p:D3}", "Pat", "Lee", $"c{c:D2}p{p:D3}@example.org", $"clinic-{c:D2}", StaffRole.FrontDesk, null, "IL", null, true)));
        }

        await _staff.UpsertManyAsync(people);
        return (people.Select(p => p.EmployeeId).ToArray(), people.Count);
    }

    private ImportService Service(IStaffStore staff, ICredentialRecordStore records, TimeProvider? clock = null) =>
        new(_clinics, staff, records, _audit, CredentialCatalog.Default, clock ?? new ManualTimeProvider(Now));

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

    /// <summary>The in-memory store, with writes that wait for <paramref name="gate"/> and count how many run at once.</summary>
    private sealed class SlowStaffStore(IStaffStore store, Func<Task> gate) : ForwardingStaffStore(store)
    {
        private int _running;

        public int Calls { get; private set; }

        public int MostAtOnce { get; private set; }

        public override async Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default)
        {
            Calls++;
            MostAtOnce = Math.Max(MostAtOnce, Interlocked.Increment(ref _running));
            try
            {
                await gate();
                await Task.Delay(20, cancellationToken);
                return await base.UpsertManyAsync(staff, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <summary>The in-memory record store, with slow writes that count how many run at once; one clinic's write may fail.</summary>
    private sealed class CountingRecordStore(ICredentialRecordStore inner, string? failClinic = null) : ICredentialRecordStore
    {
        private int _running;
        private int _most;

        public IOException Failure { get; } = new("Storage did not answer.");

        public int MostAtOnce => Volatile.Read(ref _most);

        public Task<IReadOnlyList<CredentialRecord>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default) => inner.ListByClinicAsync(clinicId, cancellationToken);

        public Task<IReadOnlyList<CredentialRecord>> ListByStaffAsync(string clinicId, string employeeId, CancellationToken cancellationToken = default) => inner.ListByStaffAsync(clinicId, employeeId, cancellationToken);

        public async Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(string clinicId, IReadOnlyList<CredentialRecord> records, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _running);
            for (var most = Volatile.Read(ref _most); now > most; most = Volatile.Read(ref _most))
            {
                if (Interlocked.CompareExchange(ref _most, now, most) == most) break;
            }

            try
            {
                await Task.Delay(10, cancellationToken);
                if (clinicId == failClinic) throw Failure;
                return await inner.UpsertManyAsync(clinicId, records, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <summary>The in-memory store, except that one call of <see cref="UpsertManyAsync"/> fails as storage does and writes nothing.</summary>
    private sealed class StaffStoreFailingOnCall(IStaffStore store, int failingCall) : ForwardingStaffStore(store)
    {
        private int _calls;

        public IOException Failure { get; } = new("Storage did not answer.");

        public override Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default) =>
            ++_calls == failingCall ? throw Failure : base.UpsertManyAsync(staff, cancellationToken);
    }

    /// <summary>A staff store that passes every call to <paramref name="inner"/>; the decorators above change only the bulk write.</summary>
    private abstract class ForwardingStaffStore(IStaffStore inner) : IStaffStore
    {
        public Task<StaffMember?> GetAsync(string employeeId, CancellationToken cancellationToken = default) => inner.GetAsync(employeeId, cancellationToken);

        public Task<IReadOnlyDictionary<string, string>> ClinicsByEmployeeAsync(CancellationToken cancellationToken = default) => inner.ClinicsByEmployeeAsync(cancellationToken);

        public Task<IReadOnlyList<StaffMember>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default) => inner.ListByClinicAsync(clinicId, cancellationToken);

        public Task<Versioned<StaffMember>?> GetVersionedAsync(string employeeId, CancellationToken cancellationToken = default) => inner.GetVersionedAsync(employeeId, cancellationToken);

        public Task<ConditionalWrite> PutAsync(StaffMember member, WritePrecondition precondition, CancellationToken cancellationToken = default) => inner.PutAsync(member, precondition, cancellationToken);

        public Task<IReadOnlyList<RosterProblem>> FindRosterProblemsAsync(CancellationToken cancellationToken = default) => inner.FindRosterProblemsAsync(cancellationToken);

        public Task<RosterRepair> RepairAsync(RosterProblem problem, CancellationToken cancellationToken = default) => inner.RepairAsync(problem, cancellationToken);

        public virtual Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default) => inner.UpsertManyAsync(staff, cancellationToken);
    }
}
