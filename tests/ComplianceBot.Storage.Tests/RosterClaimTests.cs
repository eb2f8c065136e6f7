using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Domain.Model;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Storage.Tables;
using ComplianceBot.Testing;

namespace ComplianceBot.Storage.Tests;

/// <summary>Roster imports claim each person on the employee index, so racing imports and stopped moves leave everyone in one clinic.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class RosterClaimTests(AzuriteFixture azurite)
{
    private static StaffMember Person(string id, string clinic, bool active = true) =>
        new(id, "Ana", "Diaz", $"{id}@example.test", clinic, StaffRole.MedicalAssistant, new DateOnly(2024, 1, 15), "WA", null, active);

    private static CredentialRecord Record(string employee, string code) =>
        new(employee, code, new DateOnly(2025, 1, 1), new DateOnly(2027, 1, 1), "N-1", "import", false);

    private async Task<(StorageTables Tables, string Prefix)> TablesAsync(string name)
    {
        var prefix = azurite.NewTablePrefix(name);
        var tables = AzuriteClients.Tables(azurite, prefix);
        await tables.EnsureCreatedAsync();
        return (tables, prefix);
    }

    /// <summary>Each id's staff partitions, from a scan of the whole staff table.</summary>
    private static async Task<Dictionary<string, List<string>>> StaffClinicsAsync(StorageTables tables)
    {
        var clinics = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var e in tables.Staff.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            var id = TableKey.Decode(e.RowKey);
            if (!clinics.TryGetValue(id, out var list)) clinics[id] = list = [];
            list.Add(TableKey.Decode(e.PartitionKey));
        }

        return clinics;
    }

    [Fact]
    public async Task EachPersonEndsInExactlyOneClinicMatchingTheIndexWhenTwoImportsOfTheSameNewIdsRace()
    {
        const int People = 300;
        const int Trials = 4;
        var doubled = 0;
        var conflicts = 0;
        for (var trial = 0; trial < Trials; trial++)
        {
            var (tables, prefix) = await TablesAsync($"race{trial}");
            var ids = Enumerable.Range(0, People).Select(i => $"T{trial}-E{i:D4}").ToList();

            // Two imports with clients of their own, started together: the same new people, to clinics A and B.
            var toA = new TableStaffStore(AzuriteClients.Tables(azurite, prefix)).UpsertManyAsync(ids.Select(id => Person(id, "clinic-a")).ToList());
            var toB = new TableStaffStore(AzuriteClients.Tables(azurite, prefix)).UpsertManyAsync(ids.Select(id => Person(id, "clinic-b")).ToList());
            var outcomes = await Task.WhenAll(toA, toB);

            var staff = await StaffClinicsAsync(tables);
            var index = await new TableStaffStore(tables).ClinicsByEmployeeAsync();
            doubled += staff.Values.Count(c => c.Count > 1);
            for (var i = 0; i < People; i++)
            {
                var id = ids[i];
                var clinic = Assert.Single(staff[id]);
                Assert.Equal(clinic, index[id]);

                // The import that lost says so; the clinic the person is in is one whose import did not lose.
                var (a, b) = (outcomes[0][i], outcomes[1][i]);
                Assert.False(a == WriteOutcome.Conflict && b == WriteOutcome.Conflict, $"{id}: both imports lost");
                Assert.NotEqual(WriteOutcome.Conflict, clinic == "clinic-a" ? a : b);
                conflicts += (a == WriteOutcome.Conflict ? 1 : 0) + (b == WriteOutcome.Conflict ? 1 : 0);
            }

            Assert.Empty(await new TableStaffStore(tables).FindRosterProblemsAsync());
        }

        Assert.Equal(0, doubled);
        Assert.True(conflicts > 0, "the two imports never raced for a person; the test proves nothing");
    }

    [Fact]
    public async Task APersonStaysOnARosterAndTheNextImportFinishesTheMoveWhenAMoveStopsBeforeItsStaffRowIsWritten()
    {
        var (tables, prefix) = await TablesAsync("stopmove");
        var store = new TableStaffStore(tables);
        await store.UpsertManyAsync([Person("E1", "clinic-a"), Person("E2", "clinic-a")]);

        // The move's staff batch never reaches storage (the process died there): every $batch answers 503.
        using var dying = new FaultInjectingHandler(0, r => r.Method == HttpMethod.Post && r.RequestUri!.AbsolutePath.EndsWith("$batch", StringComparison.Ordinal));
        dying.Arm(1000, forward: false);
        await Assert.ThrowsAnyAsync<Exception>(() => new TableStaffStore(AzuriteClients.Tables(azurite, prefix, dying)).UpsertManyAsync([Person("E1", "clinic-b"), Person("E2", "clinic-b")]));

        // Both are still on clinic A's roster (so still reported and reminded), and the check sees the unfinished move.
        Assert.Equal(["E1", "E2"], (await store.ListByClinicAsync("clinic-a")).Select(s => s.EmployeeId).Order());
        Assert.Equal("clinic-a", (await store.GetAsync("E1"))?.ClinicId);
        var problems = await store.FindRosterProblemsAsync();
        Assert.Equal(["E1", "E2"], problems.Select(p => p.EmployeeId));

        // The next import of the people finishes the move: one row each, in B, the index agreeing.
        Assert.Equal([WriteOutcome.Updated, WriteOutcome.Updated], await store.UpsertManyAsync([Person("E1", "clinic-b"), Person("E2", "clinic-b")]));
        Assert.Empty(await store.ListByClinicAsync("clinic-a"));
        Assert.Equal(2, (await store.ListByClinicAsync("clinic-b")).Count);
        Assert.Empty(await store.FindRosterProblemsAsync());
    }

    [Fact]
    public async Task RepairKeepsTheIndexedClinicAndItsRecordsAndRemovesTheOtherCopyWhenAPersonIsInTwoClinics()
    {
        var (tables, _) = await TablesAsync("repair");
        var store = new TableStaffStore(tables);
        var records = new TableCredentialRecordStore(tables);
        await store.UpsertManyAsync([Person("E1", "clinic-a"), Person("E2", "clinic-a")]);
        await records.UpsertManyAsync("clinic-a", [Record("E1", "HIPAA")]);

        // As two uploads racing used to leave people: a second staff row in B (with a record of its own), the index on A;
        // and a staff row with no index entry; and an index entry with no staff row.
        var copy = (await tables.Staff.GetEntityAsync<TableEntity>("clinic-a", "E1")).Value;
        copy.PartitionKey = "clinic-b";
        await tables.Staff.AddEntityAsync(copy);
        await records.UpsertManyAsync("clinic-b", [Record("E1", "HIPAA") with { CredentialNumber = "OTHER" }, Record("E1", "OSHA-BBP")]);
        await store.UpsertManyAsync([Person("E3", "clinic-c")]);
        await tables.EmployeeIndex.DeleteEntityAsync("E3", "clinic");
        await tables.EmployeeIndex.AddEntityAsync(new TableEntity("E4", "clinic") { ["ClinicId"] = "clinic-a" });

        var problems = await store.FindRosterProblemsAsync();
        Assert.Equal(
            [("E1", "clinic-a", "clinic-a,clinic-b"), ("E3", null, "clinic-c"), ("E4", "clinic-a", "")],
            problems.Select(p => (p.EmployeeId, p.IndexClinicId, string.Join(",", p.StaffClinicIds))));

        var repairs = new List<RosterRepair>();
        foreach (var p in problems) repairs.Add(await store.RepairAsync(p));

        Assert.Equal(("clinic-a", "clinic-b"), (repairs[0].KeptClinicId, Assert.Single(repairs[0].RemovedFromClinicIds)));
        Assert.Empty(await store.FindRosterProblemsAsync());
        Assert.Empty(await store.ListByClinicAsync("clinic-b"));
        Assert.Equal("clinic-c", (await store.GetAsync("E3"))?.ClinicId);
        Assert.Null(await store.GetAsync("E4"));
        var kept = (await records.ListByStaffAsync("clinic-a", "E1")).OrderBy(r => r.CredentialCode).ToList();
        Assert.Equal(["HIPAA", "OSHA-BBP"], kept.Select(r => r.CredentialCode));
        Assert.Equal("N-1", kept[0].CredentialNumber);
        Assert.Empty(await records.ListByClinicAsync("clinic-b"));
    }
}
