using Azure.Data.Tables;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;

namespace ComplianceBot.Storage.Tests;

/// <summary>
/// The stored shape of every table (property names and types, docs/storage-schema.md) as the repositories
/// write it, so rows written earlier keep reading and a change of shape is a decision, not an accident.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class EntityShapeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 14, 0, 0, TimeSpan.Zero);
    private StorageTables _tables = null!;

    public Task InitializeAsync()
    {
        _tables = AzuriteClients.Tables(azurite, azurite.NewTablePrefix("shape"));
        return _tables.EnsureCreatedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<Dictionary<string, string>> ShapeAsync(TableClient table)
    {
        var entity = Assert.Single(await table.QueryAsync<TableEntity>().ToListAsync());
        return entity.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            .ToDictionary(p => p.Key, p => p.Value?.GetType().Name ?? "null", StringComparer.Ordinal);
    }

    private static Dictionary<string, string> Shape(params (string Name, Type Type)[] properties) =>
        properties.Append(("OpId", typeof(string))).ToDictionary(p => p.Item1, p => p.Item2.Name, StringComparer.Ordinal);

    [Fact]
    public async Task EveryTableKeepsItsDocumentedPropertyTypesWhenTheRepositoriesWriteIt()
    {
        var clock = new ManualTimeProvider(Now);
        await new TableClinicStore(_tables).UpsertAsync(new Clinic("c1", "One", "America/Chicago", "IL", ["m@x.test"], 8, Clinic.MondayToFriday, true));
        await new TableStaffStore(_tables).UpsertManyAsync([new StaffMember("E1", "Ana", "Diaz", "a@x.test", "c1", StaffRole.MedicalAssistant, new DateOnly(2024, 1, 15), "IL", new MonthDay(2, 29), true)]);
        await new TableCredentialRecordStore(_tables).UpsertManyAsync("c1", [new CredentialRecord("E1", "BLS", new DateOnly(2025, 1, 1), new DateOnly(2027, 1, 1), "N-1", "import", false)]);
        await new TableRetrainingEventStore(_tables).AddAsync(new RetrainingEvent("HAZCOM", new DateOnly(2026, 4, 1), 30, "New disinfectant", "c1"));
        var ledger = new TableReminderLedger(_tables, clock);
        var key = new LedgerKey("c1", "R|E1|BLS|2027-01-01|30");
        await ledger.TryClaimAsync(key, "run-1", TimeSpan.FromMinutes(10), 3);
        await ledger.UpdateAsync([key], "run-1", LedgerState.Sent, "msg-1", "ok");
        await new TableRunWatermarkStore(_tables).AdvanceAsync("c1", "DailyReminders", new DateOnly(2026, 3, 2));
        await new TableAuditLog(_tables).AppendAsync(new AuditRecord(Now, "hr@x.test", "import", "c1", "file", "ok", "rows=1"));
        await new TableDeliveryEventStore(_tables).RecordManyAsync([new DeliveryEvent("ev-1", "a@x.test", DeliveryEventType.Bounce, Now, "full")]);

        Assert.Equal(
            Shape(("Name", typeof(string)), ("TimeZoneId", typeof(string)), ("State", typeof(string)), ("ManagerEmails", typeof(string)), ("SendHour", typeof(int)), ("BusinessDays", typeof(string)), ("WaivesCertification", typeof(bool)),
                ("RequiresRespirators", typeof(bool)), ("ExpectsExtinguisherUse", typeof(bool)), ("PerformsWaivedTesting", typeof(bool)), ("ManagerObjectIds", typeof(string))),
            await ShapeAsync(_tables.Clinics));
        Assert.Equal(
            Shape(("FirstName", typeof(string)), ("LastName", typeof(string)), ("Email", typeof(string)), ("Role", typeof(string)), ("HireDate", typeof(string)), ("State", typeof(string)), ("BirthMonthDay", typeof(string)), ("Active", typeof(bool))),
            await ShapeAsync(_tables.Staff));
        Assert.Equal(Shape(("ClinicId", typeof(string))), await ShapeAsync(_tables.EmployeeIndex));
        Assert.Equal(
            Shape(("IssuedOn", typeof(string)), ("PrintedExpiresOn", typeof(string)), ("CredentialNumber", typeof(string)), ("Source", typeof(string)), ("Verified", typeof(bool))),
            await ShapeAsync(_tables.CredentialRecords));
        Assert.Equal(
            Shape(("CredentialCode", typeof(string)), ("EffectiveOn", typeof(string)), ("DueWithinDays", typeof(int)), ("Description", typeof(string)), ("ClinicId", typeof(string))),
            await ShapeAsync(_tables.RetrainingEvents));
        Assert.Equal(
            Shape(("State", typeof(string)), ("RunId", typeof(string)), ("UpdatedAt", typeof(DateTimeOffset)), ("Attempts", typeof(int)), ("MessageId", typeof(string)), ("Detail", typeof(string))),
            await ShapeAsync(_tables.ReminderLedger));
        Assert.Equal(Shape(("CompletedLocalDate", typeof(string))), await ShapeAsync(_tables.RunWatermarks));
        Assert.Equal(
            Shape(("At", typeof(DateTimeOffset)), ("Actor", typeof(string)), ("Action", typeof(string)), ("Target", typeof(string)), ("Outcome", typeof(string)), ("Detail", typeof(string))),
            await ShapeAsync(_tables.AuditLog));
        Assert.Equal(Shape(("At", typeof(DateTimeOffset))), await ShapeAsync(_tables.DeliveryEvents));
        Assert.Equal(
            Shape(("EventId", typeof(string)), ("Email", typeof(string)), ("Type", typeof(string)), ("At", typeof(DateTimeOffset)), ("Reason", typeof(string))),
            await ShapeAsync(_tables.DeliveryStatus));
    }

    [Fact]
    public async Task LeavesOutPropertiesThatHaveNoValueSoOlderRowsAndNewOnesLookAlike()
    {
        await new TableStaffStore(_tables).UpsertManyAsync([new StaffMember("E2", "Bo", "Li", "b@x.test", "c1", StaffRole.FrontDesk, null, "IL", null, true)]);

        var shape = await ShapeAsync(_tables.Staff);

        Assert.DoesNotContain("HireDate", shape.Keys);
        Assert.DoesNotContain("BirthMonthDay", shape.Keys);
        Assert.Equal(new StaffMember("E2", "Bo", "Li", "b@x.test", "c1", StaffRole.FrontDesk, null, "IL", null, true), await new TableStaffStore(_tables).GetAsync("E2"));
    }
}
