using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;

namespace ComplianceBot.Storage.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class RepositoryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 14, 0, 0, TimeSpan.Zero);
    private readonly string _prefix = azurite.NewTablePrefix("repo");
    private readonly ManualTimeProvider _clock = new(Start);
    private StorageTables _tables = null!;

    public Task InitializeAsync()
    {
        _tables = AzuriteClients.Tables(azurite, _prefix);
        return _tables.EnsureCreatedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static StaffMember Person(string id, string clinic, string email = "a@example.test") =>
        new(id, "Ana", "Diaz", email, clinic, StaffRole.MedicalAssistant, new DateOnly(2024, 1, 15), "WA", new MonthDay(2, 29), true);

    private static CredentialRecord Record(string employee, string code, int day = 1) =>
        new(employee, code, new DateOnly(2025, 1, day), new DateOnly(2027, 1, day), "N-1", "import", false);

    [Fact]
    public async Task ClinicRoundTripsAndReportsCreationWhenUpserted()
    {
        var store = new TableClinicStore(_tables);
        var clinic = new Clinic("seattle/north", "Seattle North", "America/Los_Angeles", "WA", ["m@x.test", "n@x.test"], 8, Clinic.MondayToFriday);

        Assert.True(await store.UpsertAsync(clinic));
        Assert.False(await store.UpsertAsync(clinic with { SendHour = 9 }));
        await store.UpsertAsync(clinic with { Id = "boise" });

        var read = await store.GetAsync("seattle/north");
        Assert.NotNull(read);
        Assert.Equal(9, read.SendHour);
        Assert.Equal(clinic.ManagerEmails, read.ManagerEmails);
        Assert.True(read.BusinessDays.SetEquals(Clinic.MondayToFriday));
        Assert.Equal(["boise", "seattle/north"], (await store.ListAsync()).Select(c => c.Id));
        Assert.Null(await store.GetAsync("nowhere"));
    }

    [Fact]
    public async Task StaffUpsertReportsCreatedUpdatedUnchangedAndMovesClinicWhenReimported()
    {
        var store = new TableStaffStore(_tables);
        var first = await store.UpsertManyAsync([Person("E1", "c1"), Person("E2", "c1"), Person("E#3", "c2")]);
        var second = await store.UpsertManyAsync([Person("E1", "c1"), Person("E2", "c1", "new@example.test"), Person("E#3", "c1")]);

        Assert.Equal([WriteOutcome.Created, WriteOutcome.Created, WriteOutcome.Created], first);
        Assert.Equal([WriteOutcome.Unchanged, WriteOutcome.Updated, WriteOutcome.Updated], second);
        Assert.Equal(Person("E#3", "c1"), await store.GetAsync("E#3"));
        Assert.Equal("new@example.test", (await store.GetAsync("E2"))!.Email);
        Assert.Empty(await store.ListByClinicAsync("c2"));
        Assert.Equal(3, (await store.ListByClinicAsync("c1")).Count);
        Assert.Null(await store.GetAsync("nobody"));
    }

    [Fact]
    public async Task CredentialRecordsMoveWithThePersonWhenTheyChangeClinic()
    {
        var staff = new TableStaffStore(_tables);
        var records = new TableCredentialRecordStore(_tables);
        await staff.UpsertManyAsync([Person("E#3", "c2"), Person("E4", "c2")]);
        await records.UpsertManyAsync("c2", [Record("E#3", "BLS"), Record("E#3", "HIPAA", 2), Record("E4", "BLS")]);

        var moved = await staff.UpsertManyAsync([Person("E#3", "c1")]);

        Assert.Equal([WriteOutcome.Updated], moved);
        Assert.Equal([Record("E#3", "BLS"), Record("E#3", "HIPAA", 2)], (await records.ListByStaffAsync("c1", "E#3")).OrderBy(r => r.CredentialCode));
        Assert.Equal([Record("E4", "BLS")], await records.ListByClinicAsync("c2"));
        Assert.Equal("c1", (await staff.GetAsync("E#3"))!.ClinicId);
    }

    [Fact]
    public async Task WritesAClinicOnlyWhenItsVersionStillMatchesWhenPutConditionally()
    {
        var store = new TableClinicStore(_tables);
        var clinic = new Clinic("c1", "One", "America/Chicago", "IL", [], 8, Clinic.MondayToFriday);

        var created = await store.PutAsync(clinic, new WritePrecondition(IfNoneMatch: [WritePrecondition.Any]));
        var read = await store.GetVersionedAsync("c1");
        var changed = await store.PutAsync(clinic with { Name = "Uno" }, new WritePrecondition(IfMatch: [created.Version!]));
        var stale = await store.PutAsync(clinic with { Name = "Eins" }, new WritePrecondition(IfMatch: [created.Version!]));
        var missing = await store.PutAsync(clinic with { Id = "c2" }, new WritePrecondition(IfMatch: [WritePrecondition.Any]));

        Assert.Equal((false, WriteOutcome.Created), (created.PreconditionFailed, created.Outcome));
        Assert.Equal(created.Version, read!.Version);
        Assert.Equal((false, WriteOutcome.Updated), (changed.PreconditionFailed, changed.Outcome));
        Assert.NotEqual(created.Version, changed.Version);
        Assert.True(stale.PreconditionFailed);
        Assert.Equal(changed.Version, stale.Version);
        Assert.True(missing.PreconditionFailed);
        Assert.Null(missing.Version);
        Assert.Equal("Uno", (await store.GetAsync("c1"))!.Name);
        Assert.Null(await store.GetAsync("c2"));
    }

    [Fact]
    public async Task MovesAPersonOnceAndLeavesNoRowBehindWhenPutConditionallyToAnotherClinic()
    {
        var store = new TableStaffStore(_tables);
        var created = await store.PutAsync(Person("E1", "c1"), WritePrecondition.None);

        var moved = await store.PutAsync(Person("E1", "c2"), new WritePrecondition(IfMatch: [created.Version!]));
        var stale = await store.PutAsync(Person("E1", "c3"), new WritePrecondition(IfMatch: [created.Version!]));

        Assert.Equal(WriteOutcome.Created, created.Outcome);
        Assert.Equal((false, WriteOutcome.Updated), (moved.PreconditionFailed, moved.Outcome));
        Assert.True(stale.PreconditionFailed);
        Assert.Empty(await store.ListByClinicAsync("c1"));
        Assert.Empty(await store.ListByClinicAsync("c3"));
        Assert.Equal(Person("E1", "c2"), Assert.Single(await store.ListByClinicAsync("c2")));
        Assert.Equal("c2", (await store.ClinicsByEmployeeAsync())["E1"]);
        Assert.Equal(moved.Version, (await store.GetVersionedAsync("E1"))!.Version);
    }

    [Fact]
    public async Task CredentialRecordsMoveWithThePersonWhenPutToAnotherClinic()
    {
        var store = new TableStaffStore(_tables);
        var records = new TableCredentialRecordStore(_tables);
        await store.PutAsync(Person("E1", "c1"), WritePrecondition.None);
        await records.UpsertManyAsync("c1", [Record("E1", "BLS"), Record("E1", "OSHA_BBP", 3)]);

        await store.PutAsync(Person("E1", "c2"), WritePrecondition.None);

        Assert.Empty(await records.ListByClinicAsync("c1"));
        Assert.Equal([Record("E1", "BLS"), Record("E1", "OSHA_BBP", 3)], (await records.ListByStaffAsync("c2", "E1")).OrderBy(r => r.CredentialCode));
    }

    [Fact]
    public async Task CreatesAPersonOnceWhenTwoCreateOnlyPutsRaceForDifferentClinics()
    {
        var store = new TableStaffStore(_tables);
        var createOnly = new WritePrecondition(IfNoneMatch: [WritePrecondition.Any]);
        var ids = Enumerable.Range(1, 20).Select(i => $"E{i}").ToList();

        var results = await Task.WhenAll(ids.Select(async id => await Task.WhenAll(store.PutAsync(Person(id, "c1"), createOnly), store.PutAsync(Person(id, "c2"), createOnly))));

        Assert.All(results, pair => Assert.Equal([false, true], pair.Select(r => r.PreconditionFailed).Order()));
        var rows = (await store.ListByClinicAsync("c1")).Concat(await store.ListByClinicAsync("c2")).ToList();
        var index = await store.ClinicsByEmployeeAsync();
        Assert.Equal(ids.Order(StringComparer.Ordinal), rows.Select(r => r.EmployeeId).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(r.ClinicId, index[r.EmployeeId]));
    }

    [Fact]
    public async Task CreatesAPersonOnceWhenAConcurrentCreateRepointsTheIndexBeforeTheFirstWritesItsRow()
    {
        // The first creator has pointed the index at c1 and is held before writing its staff row; the second
        // finds that index row without a staff row, re-points it at c2 and creates the person there.
        using var hold = HoldFirst.Insert(_tables.Staff.Name);
        var createOnly = new WritePrecondition(IfNoneMatch: [WritePrecondition.Any]);
        var store = new TableStaffStore(_tables);

        var first = new TableStaffStore(AzuriteClients.Tables(azurite, _prefix, hold)).PutAsync(Person("E1", "c1"), createOnly);
        await hold.Held.WaitAsync(TimeSpan.FromSeconds(10));
        var second = await store.PutAsync(Person("E1", "c2"), createOnly);
        hold.Release();
        var firstResult = await first.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((false, WriteOutcome.Created), (second.PreconditionFailed, second.Outcome));
        Assert.True(firstResult.PreconditionFailed);
        Assert.Empty(await store.ListByClinicAsync("c1"));
        Assert.Equal(Person("E1", "c2"), Assert.Single(await store.ListByClinicAsync("c2")));
        Assert.Equal("c2", (await store.ClinicsByEmployeeAsync())["E1"]);
    }

    [Fact]
    public async Task CreatesAPersonOnceWhenTheFirstCreatorFinishesBetweenAConcurrentCreatorsReadAndItsTakeover()
    {
        // The second creator reads the index (pointing at c1) before the first has written its staff row, and
        // tries to take the index over only after the first has written the row and finished.
        using var holdFirst = HoldFirst.Insert(_tables.Staff.Name);
        using var holdSecond = HoldFirst.ConditionalReplace(_tables.EmployeeIndex.Name);
        var createOnly = new WritePrecondition(IfNoneMatch: [WritePrecondition.Any]);
        var store = new TableStaffStore(_tables);

        var first = new TableStaffStore(AzuriteClients.Tables(azurite, _prefix, holdFirst)).PutAsync(Person("E1", "c1"), createOnly);
        await holdFirst.Held.WaitAsync(TimeSpan.FromSeconds(10));
        var second = new TableStaffStore(AzuriteClients.Tables(azurite, _prefix, holdSecond)).PutAsync(Person("E1", "c2"), createOnly);
        await holdSecond.Held.WaitAsync(TimeSpan.FromSeconds(10));
        holdFirst.Release();
        var firstResult = await first.WaitAsync(TimeSpan.FromSeconds(30));
        holdSecond.Release();
        var secondResult = await second.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((false, WriteOutcome.Created), (firstResult.PreconditionFailed, firstResult.Outcome));
        Assert.True(secondResult.PreconditionFailed);
        Assert.Equal(Person("E1", "c1"), Assert.Single(await store.ListByClinicAsync("c1")));
        Assert.Empty(await store.ListByClinicAsync("c2"));
        Assert.Equal("c1", (await store.ClinicsByEmployeeAsync())["E1"]);
    }

    /// <summary>Holds the first request that matches until released; every other request passes.</summary>
    private sealed class HoldFirst : DelegatingHandler
    {
        private readonly Func<HttpRequestMessage, bool> _matches;
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _matched;

        public HoldFirst(Func<HttpRequestMessage, bool> matches)
        {
            _matches = matches;
            InnerHandler = new SocketsHttpHandler();
        }

        /// <summary>The first entity insert into <paramref name="table"/>.</summary>
        public static HoldFirst Insert(string table) =>
            new(r => r.Method == HttpMethod.Post && r.RequestUri!.AbsolutePath.EndsWith("/" + table, StringComparison.Ordinal));

        /// <summary>The first conditional replace of an entity of <paramref name="table"/>.</summary>
        public static HoldFirst ConditionalReplace(string table) =>
            new(r => r.Method == HttpMethod.Put && r.Headers.Contains("If-Match") && r.RequestUri!.AbsolutePath.Contains("/" + table + "(", StringComparison.Ordinal));

        public Task Held => _held.Task;

        public void Release() => _released.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_matches(request) && Interlocked.Increment(ref _matched) == 1)
            {
                _held.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task MapsEveryEmployeeToTheirCurrentClinicWhenAskedForTheIndex()
    {
        var store = new TableStaffStore(_tables);
        await store.UpsertManyAsync([Person("E1", "c1"), Person("E/2", "c2"), Person("E3", "c2")]);
        await store.UpsertManyAsync([Person("E3", "c1")]);

        var map = await store.ClinicsByEmployeeAsync();

        Assert.Equal(new Dictionary<string, string> { ["E1"] = "c1", ["E/2"] = "c2", ["E3"] = "c1" }, map);
    }

    [Fact]
    public async Task CredentialUpsertWritesOnlyChangedRowsInBatchesWhen250RowsForOneClinic()
    {
        var store = new TableCredentialRecordStore(_tables);
        var records = Enumerable.Range(0, 250).Select(i => Record($"E/{i / 5}", $"C{i % 5}")).ToList();

        var created = await store.UpsertManyAsync("c1", records);
        records[7] = records[7] with { Verified = true };
        var again = await store.UpsertManyAsync("c1", records);

        Assert.All(created, o => Assert.Equal(WriteOutcome.Created, o));
        Assert.Equal(WriteOutcome.Updated, again[7]);
        Assert.Equal(249, again.Count(o => o == WriteOutcome.Unchanged));
        var stored = await store.ListByClinicAsync("c1");
        Assert.Equal(250, stored.Count);
        Assert.Equal(records.ToHashSet(), stored.ToHashSet());
        Assert.Equal(records.Where(r => r.EmployeeId == "E/1").ToHashSet(), (await store.ListByStaffAsync("c1", "E/1")).ToHashSet());
    }

    [Fact]
    public async Task CredentialUpsertExpectingNewInsertsWithoutReadingWhenThePartitionIsEmpty()
    {
        using var counter = new RequestCountingHandler();
        var store = new TableCredentialRecordStore(AzuriteClients.Tables(azurite, _prefix, counter));
        var records = Enumerable.Range(0, 250).Select(i => Record($"E{i / 5}", $"C{i % 5}")).ToList();

        var outcomes = await store.UpsertManyExpectingNewAsync("c1", records);

        Assert.Equal(0, counter.Count(HttpMethod.Get));
        Assert.Equal(3, counter.Count(HttpMethod.Post)); // three $batch requests of at most 100
        Assert.Equal(250, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(WriteOutcome.Created, o));
        Assert.Equal(records.ToHashSet(), (await store.ListByClinicAsync("c1")).ToHashSet());
    }

    [Fact]
    public async Task CredentialUpsertExpectingNewFallsBackToComparingWhenALaterBatchMeetsStoredRows()
    {
        var store = new TableCredentialRecordStore(_tables);
        // Rows 0-149 are new; 150-249 are stored already (200 unchanged, 210 changed). The first batch
        // of 100 goes in as inserts, the second meets row 150 and wrote nothing, so the rest is compared.
        var records = Enumerable.Range(0, 250).Select(i => Record($"E{i / 5:D3}", $"C{i % 5}")).ToList();
        await store.UpsertManyAsync("c1", records[150..]);
        records[210] = records[210] with { CredentialNumber = "N-2" };

        var outcomes = await store.UpsertManyExpectingNewAsync("c1", records);

        Assert.All(outcomes.Take(150), o => Assert.Equal(WriteOutcome.Created, o));
        Assert.Equal(WriteOutcome.Updated, outcomes[210]);
        Assert.Equal(99, outcomes.Skip(150).Count(o => o == WriteOutcome.Unchanged));
        Assert.Equal(records.ToHashSet(), (await store.ListByClinicAsync("c1")).ToHashSet());
    }

    [Fact]
    public async Task ReadsEveryRecordOfAClinicWhenItsPartitionSpansMoreThanOnePage()
    {
        using var counter = new RequestCountingHandler();
        var store = new TableCredentialRecordStore(AzuriteClients.Tables(azurite, _prefix, counter));
        var records = Enumerable.Range(0, 1_205).Select(i => Record($"E{i / 5:D4}", $"C{i % 5}")).ToList();
        await store.UpsertManyExpectingNewAsync("big", records);

        var read = await store.ListByClinicAsync("big");

        Assert.Equal(2, counter.Count(HttpMethod.Get)); // the service returns at most 1,000 entities per page
        Assert.Equal(1_205, read.Count);
        Assert.Equal(records.ToHashSet(), read.ToHashSet());
    }

    [Fact]
    public async Task IdsWithQuotesSlashesPercentAndControlCharactersRoundTripThroughEveryKeyedRead()
    {
        const string clinicId = "O'Brien & co/#1?%\\";
        const string employeeId = "E'1/\\#?%\u0007";
        var clinics = new TableClinicStore(_tables);
        var staff = new TableStaffStore(_tables);
        var records = new TableCredentialRecordStore(_tables);
        var ledger = new TableReminderLedger(_tables, _clock);
        var watermarks = new TableRunWatermarkStore(_tables);
        var audit = new TableAuditLog(_tables);
        var key = new LedgerKey(clinicId, $"R|{employeeId}|BLS|2027-01-01|30");

        await clinics.UpsertAsync(new Clinic(clinicId, "Odd", "America/Chicago", "IL", [], 8, Clinic.MondayToFriday));
        await staff.PutAsync(Person(employeeId, clinicId), WritePrecondition.None);
        await records.UpsertManyAsync(clinicId, [Record(employeeId, "BLS"), Record(employeeId + "x", "BLS")]);
        Assert.Equal(ClaimResult.Claimed, await ledger.TryClaimAsync(key, "r1", TimeSpan.FromMinutes(10), 3));
        await watermarks.AdvanceAsync(clinicId, "daily", new DateOnly(2026, 3, 2));
        await audit.AppendAsync(new AuditRecord(Start, "hr", "import", clinicId, "file", "ok"));

        Assert.Equal(clinicId, Assert.Single(await clinics.ListAsync()).Id);
        Assert.Equal(Person(employeeId, clinicId), await staff.GetAsync(employeeId));
        Assert.Equal([Record(employeeId, "BLS")], await records.ListByStaffAsync(clinicId, employeeId));
        Assert.Equal(key, Assert.Single(await ledger.ListAsync(clinicId)).Key);
        Assert.Equal(new DateOnly(2026, 3, 2), await watermarks.GetAsync(clinicId, "daily"));
        Assert.Single(await audit.ListAsync(clinicId, Start, Start.AddSeconds(1)));
    }

    [Fact]
    public async Task CredentialUpsertRejectsDuplicateRowsWhenSameEmployeeAndCode()
    {
        var store = new TableCredentialRecordStore(_tables);
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertManyAsync("c1", [Record("E1", "BLS"), Record("E1", "BLS", 2)]));
        Assert.Empty(await store.ListByClinicAsync("c1"));
    }

    [Fact]
    public async Task CredentialUpsertWritesNothingWhenOneRowIsOversized()
    {
        var store = new TableCredentialRecordStore(_tables);
        var bad = Record("E5", "BLS") with { CredentialNumber = new string('9', 40_000) };
        var records = new[] { Record("E1", "BLS"), Record("E2", "BLS"), bad };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertManyAsync("c1", records));

        Assert.Contains("64 KiB", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListByClinicAsync("c1"));
    }

    [Fact]
    public async Task RetrainingEventsAreStoredOnceWhenAddedTwice()
    {
        var store = new TableRetrainingEventStore(_tables);
        var hazcom = new RetrainingEvent("HAZCOM", new DateOnly(2026, 4, 1), 30, "New disinfectant");
        await store.AddAsync(hazcom);
        await store.AddAsync(hazcom);
        await store.AddAsync(new RetrainingEvent("HIPAA", new DateOnly(2026, 5, 1), 60, "Policy change", "c1"));

        var events = await store.ListAsync();

        Assert.Equal(2, events.Count);
        Assert.Contains(hazcom, events);
    }

    [Fact]
    public async Task OnlyOneOfTwoParallelClaimersWinsWhenClaimingSameKey()
    {
        var ledger = new TableReminderLedger(_tables, _clock);
        var key = new LedgerKey("c1", "E1/BLS/2026-05-01/30");
        for (var trial = 0; trial < 10; trial++)
        {
            var trialKey = key with { Value = $"{key.Value}#{trial}" };
            var results = await Task.WhenAll(
                Task.Run(() => ledger.TryClaimAsync(trialKey, "run-a", TimeSpan.FromMinutes(10), 3)),
                Task.Run(() => ledger.TryClaimAsync(trialKey, "run-b", TimeSpan.FromMinutes(10), 3)));
            Assert.Single(results, r => r == ClaimResult.Claimed);
        }
    }

    [Fact]
    public async Task LedgerFollowsStateMachineWhenClaimedSentRetriedAndAbandoned()
    {
        var ledger = new TableReminderLedger(_tables, _clock);
        var lease = TimeSpan.FromMinutes(10);
        var sent = new LedgerKey("c1", "sent");
        var retry = new LedgerKey("c1", "retry");
        var dead = new LedgerKey("c1", "dead");

        Assert.Equal(ClaimResult.Claimed, await ledger.TryClaimAsync(sent, "r1", lease, 3));
        Assert.Equal(ClaimResult.Claimed, await ledger.TryClaimAsync(retry, "r1", lease, 2));
        Assert.Equal(ClaimResult.Claimed, await ledger.TryClaimAsync(dead, "r1", lease, 3));
        await ledger.UpdateAsync([sent], "r1", LedgerState.Sent, "msg-1", null);
        await ledger.UpdateAsync([retry], "r1", LedgerState.Retryable, null, "503");
        await ledger.UpdateAsync([sent], "intruder", LedgerState.Failed, null, "not mine");

        Assert.Equal(ClaimResult.AlreadyClaimed, await ledger.TryClaimAsync(sent, "r2", lease, 3));
        Assert.Equal(ClaimResult.AlreadyClaimed, await ledger.TryClaimAsync(dead, "r2", lease, 3));
        Assert.Equal(ClaimResult.Claimed, await ledger.TryClaimAsync(retry, "r2", lease, 2));
        await ledger.UpdateAsync([retry], "r2", LedgerState.Retryable, null, "503 again");
        Assert.Equal(ClaimResult.AlreadyClaimed, await ledger.TryClaimAsync(retry, "r3", lease, 2));

        _clock.Advance(lease);
        Assert.Equal(ClaimResult.Claimed, await ledger.TryClaimAsync(dead, "r3", lease, 3));

        var entries = (await ledger.ListAsync("c1")).ToDictionary(e => e.Key.Value);
        Assert.Equal((LedgerState.Sent, "r1", "msg-1", 1), (entries["sent"].State, entries["sent"].RunId, entries["sent"].MessageId, entries["sent"].Attempts));
        Assert.Equal((LedgerState.Retryable, "r2", 2), (entries["retry"].State, entries["retry"].RunId, entries["retry"].Attempts));
        Assert.Equal((LedgerState.Pending, "r3", 1, Start + lease), (entries["dead"].State, entries["dead"].RunId, entries["dead"].Attempts, entries["dead"].UpdatedAt));
    }

    [Fact]
    public async Task LedgerClaimIsNotDuplicatedWhenInsertResponseIsLost()
    {
        using var faults = new FaultInjectingHandler(1);
        var ledger = new TableReminderLedger(AzuriteClients.Tables(azurite, _prefix, faults), _clock);

        var result = await ledger.TryClaimAsync(new LedgerKey("c9", "k"), "run-a", TimeSpan.FromMinutes(10), 3);

        Assert.Equal(ClaimResult.Claimed, result);
        Assert.Equal(1, faults.FaultsInjected);
        Assert.Single(await ledger.ListAsync("c9"));
    }

    [Fact]
    public async Task WatermarkNeverMovesBackwardsWhenAdvancedOutOfOrder()
    {
        var store = new TableRunWatermarkStore(_tables);
        Assert.Null(await store.GetAsync("c1", "daily"));

        await store.AdvanceAsync("c1", "daily", new DateOnly(2026, 3, 5));
        await store.AdvanceAsync("c1", "daily", new DateOnly(2026, 3, 3));
        await Task.WhenAll(
            store.AdvanceAsync("c1", "daily", new DateOnly(2026, 3, 7)),
            store.AdvanceAsync("c1", "daily", new DateOnly(2026, 3, 6)));

        Assert.Equal(new DateOnly(2026, 3, 7), await store.GetAsync("c1", "daily"));
        Assert.Null(await store.GetAsync("c1", "weekly"));
    }

    [Fact]
    public async Task AuditListsRangeOldestFirstAndRefusesOverwriteWhenKeyExists()
    {
        var log = new TableAuditLog(_tables);
        var records = Enumerable.Range(0, 5)
            .Select(i => new AuditRecord(Start.AddMinutes(i), "hr@x.test", "import", "c1", $"file-{i}", "ok", i == 2 ? "detail" : null))
            .ToList();
        foreach (var record in records.AsEnumerable().Reverse()) await log.AppendAsync(record);

        var listed = await log.ListAsync("c1", Start.AddMinutes(1), Start.AddMinutes(4));

        Assert.Equal(records.Skip(1).Take(3), listed);
        var existing = await _tables.AuditLog.QueryAsync<TableEntity>().FirstAsync();
        var overwrite = await Assert.ThrowsAsync<RequestFailedException>(() =>
            _tables.AuditLog.AddEntityAsync(new TableEntity(existing.PartitionKey, existing.RowKey) { ["Outcome"] = "forged" }));
        Assert.Equal(409, overwrite.Status);
    }

    [Fact]
    public async Task DeliveryEventIsRecordedOnceAndLatestWinsWhenRedelivered()
    {
        var store = new TableDeliveryEventStore(_tables);
        var bounce = new DeliveryEvent("ev-1", "Ana/Diaz@Example.test", DeliveryEventType.Bounce, Start, "mailbox full");
        var delivered = new DeliveryEvent("ev-2", "ana/diaz@example.test", DeliveryEventType.Delivered, Start.AddHours(1), null);
        var older = new DeliveryEvent("ev-0", "ana/diaz@example.test", DeliveryEventType.Dropped, Start.AddHours(-1), null);

        Assert.Equal(new DeliveryBatchResult(1, 0), await store.RecordManyAsync([bounce]));
        Assert.Equal(new DeliveryBatchResult(0, 1), await store.RecordManyAsync([bounce]));
        Assert.Equal(new DeliveryBatchResult(2, 1), await store.RecordManyAsync([delivered, bounce, older]));

        var latest = await store.LatestByAddressAsync(["ANA/DIAZ@example.test", "other@example.test"]);
        Assert.Equal(delivered, Assert.Single(latest).Value);
    }

    [Fact]
    public async Task TwoIdenticalUploadsAtOnceBothSucceedAndEachRowIsCreatedOnce()
    {
        // Two HR people upload the same first file at the same moment: both insert first, meet each other's rows
        // (409), and fall back to compare. (The probe saw the loser give up with a 409 the app called "storage did
        // not answer"; here, on one machine, three rounds were enough too: this pins the outcome, and the rounds
        // and the 409 problem are the fix.)
        var store = new TableCredentialRecordStore(_tables);
        for (var trial = 0; trial < 4; trial++)
        {
            var clinic = $"twin-{trial}";
            var records = Enumerable.Range(0, 250)
                .Select(i => new CredentialRecord($"t{i:D3}", i % 2 == 0 ? "BLS" : "HIPAA", new DateOnly(2026, 1, 5), null, null, "import", true))
                .ToList();

            var both = await Task.WhenAll(store.UpsertManyExpectingNewAsync(clinic, records), store.UpsertManyExpectingNewAsync(clinic, records));

            for (var i = 0; i < records.Count; i++)
            {
                Assert.Equal(
                    [WriteOutcome.Created, WriteOutcome.Unchanged],
                    new[] { both[0][i], both[1][i] }.Order());
            }
        }
    }

    [Fact]
    public async Task RecordsABatchOfThousandsOnceAndCountsTheSeenOnesWhenSendGridRedeliversPartOfIt()
    {
        var store = new TableDeliveryEventStore(_tables);
        var events = Enumerable.Range(0, 2500)
            .Select(i => new DeliveryEvent($"ev-{i:D5}", $"person{i % 700}@example.test", (DeliveryEventType)(i % 4), Start.AddMinutes(i), null))
            .ToList();

        var first = await store.RecordManyAsync(events[..1800]);
        var second = await store.RecordManyAsync([.. events[1200..], events[5], events[5]]);

        Assert.Equal(new DeliveryBatchResult(1800, 0), first);
        Assert.Equal(new DeliveryBatchResult(700, 602), second); // 600 seen before (1200..1799), ev-00005 twice
        var latest = await store.LatestByAddressAsync(Enumerable.Range(0, 700).Select(i => $"person{i}@example.test"));
        Assert.Equal(700, latest.Count);
        Assert.All(latest, kv => Assert.Equal(events.Where(e => e.Email == kv.Key).MaxBy(e => e.At), kv.Value));
    }
}
