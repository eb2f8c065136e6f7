using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Staff: PartitionKey = encoded clinic id, RowKey = encoded employee id, so a clinic's roster is one
/// partition query and an import writes it in batches. An organization-wide index
/// (PartitionKey = encoded employee id, RowKey <c>clinic</c>) answers "which clinic is this person in".
/// </summary>
public sealed class TableStaffStore(StorageTables tables) : IStaffStore
{
    private const string IndexRow = "clinic";

    public async Task<StaffMember?> GetAsync(string employeeId, CancellationToken cancellationToken = default) =>
        (await GetVersionedAsync(employeeId, cancellationToken).ConfigureAwait(false))?.Value;

    public async Task<Versioned<StaffMember>?> GetVersionedAsync(string employeeId, CancellationToken cancellationToken = default)
    {
        var (_, entity) = await ReadAsync(TableKey.Encode(employeeId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : new Versioned<StaffMember>(ToStaff(entity), EntityValues.Version(entity));
    }

    /// <summary>
    /// One person's write, checked against their row's ETag: a replace in place is ETag-conditional; a move
    /// deletes the old row with its ETag first, then carries the person's credential records over. For a new person the index row decides:
    /// it is inserted (or replaced with its ETag), then the staff row, then the index row is confirmed with its
    /// ETag; a creator whose confirmation fails (a concurrent create re-pointed the index) takes its row back
    /// and checks again, so one person is created once.
    /// </summary>
    public async Task<ConditionalWrite> PutAsync(StaffMember member, WritePrecondition precondition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(precondition);
        var key = TableKey.Encode(member.EmployeeId);
        var entity = ToEntity(member);
        var pointer = new TableEntity(key, IndexRow) { ["ClinicId"] = member.ClinicId };
        for (var attempt = 1; ; attempt++)
        {
            var (index, current) = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            var version = current is null ? null : EntityValues.Version(current);
            if (!precondition.IsSatisfiedBy(version)) return ConditionalWrite.Failed(version);
            try
            {
                if (current is null)
                {
                    // An index row without a staff row is a move cut off half-way: finish carrying the records.
                    if (index?.GetString("ClinicId") is { } previous && !string.Equals(previous, member.ClinicId, StringComparison.Ordinal))
                    {
                        await TableCredentialRecordStore.MoveAsync(tables, member.EmployeeId, previous, member.ClinicId, cancellationToken).ConfigureAwait(false);
                    }

                    var pointed = index is null
                        ? await tables.EmployeeIndex.AddEntityOnceAsync(pointer, cancellationToken).ConfigureAwait(false)
                        : await tables.EmployeeIndex.UpdateReplaceOnceAsync(pointer, index.ETag, cancellationToken).ConfigureAwait(false);
                    var created = await tables.Staff.AddEntityOnceAsync(entity, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        // Confirm by writing the index row again with the ETag we gave it. A concurrent creator that
                        // took the row over (it saw the index without our staff row) and this confirmation are both
                        // conditional on that ETag, so exactly one of them succeeds. A read-and-compare here would
                        // let both succeed when the takeover's write lands after our read.
                        await tables.EmployeeIndex.UpdateReplaceOnceAsync(pointer, pointed, cancellationToken).ConfigureAwait(false);
                    }
                    catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                    {
                        await tables.Staff.DeleteEntityOnceAsync(entity.PartitionKey, key, created, cancellationToken).ConfigureAwait(false);
                        throw;
                    }

                    return ConditionalWrite.Written(WriteOutcome.Created, EntityValues.Version(created));
                }

                if (current.PartitionKey == entity.PartitionKey)
                {
                    if (TableEntities.SameProperties(current, entity)) return ConditionalWrite.Written(WriteOutcome.Unchanged, version!);
                    var updated = await tables.Staff.UpdateReplaceOnceAsync(entity, current.ETag, cancellationToken).ConfigureAwait(false);
                    return ConditionalWrite.Written(WriteOutcome.Updated, EntityValues.Version(updated));
                }

                if (!await tables.Staff.DeleteEntityOnceAsync(current.PartitionKey, key, current.ETag, cancellationToken).ConfigureAwait(false))
                {
                    throw new RequestFailedException(404, $"Staff row of '{member.EmployeeId}' went away while it was being moved.", "ResourceNotFound", null);
                }

                await TableCredentialRecordStore.MoveAsync(tables, member.EmployeeId, TableKey.Decode(current.PartitionKey), member.ClinicId, cancellationToken).ConfigureAwait(false);
                await tables.EmployeeIndex.UpsertReplaceAsync(pointer, cancellationToken).ConfigureAwait(false);
                var moved = await tables.Staff.UpsertReplaceAsync(entity, cancellationToken).ConfigureAwait(false);
                return ConditionalWrite.Written(WriteOutcome.Updated, EntityValues.Version(moved));
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412 && attempt < 3)
            {
                // Someone else wrote this person since we read them: read again and check the precondition anew.
            }
        }
    }

    /// <summary>The person's index row and staff row (either may be missing).</summary>
    private async Task<(TableEntity? Index, TableEntity? Staff)> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var index = await tables.EmployeeIndex.GetEntityOrNullAsync(key, IndexRow, cancellationToken).ConfigureAwait(false);
        if (index?.GetString("ClinicId") is not { } clinicId) return (index, null);
        var entity = await tables.Staff.GetEntityOrNullAsync(TableKey.Encode(clinicId), key, cancellationToken).ConfigureAwait(false);
        return (index, entity);
    }

    /// <summary>One scan of the organization-wide index instead of one query per clinic.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ClinicsByEmployeeAsync(CancellationToken cancellationToken = default)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var entity in tables.EmployeeIndex.QueryAsync<TableEntity>(select: ["PartitionKey", "ClinicId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entity.GetString("ClinicId") is { } clinicId) map[TableKey.Decode(entity.PartitionKey)] = clinicId;
        }

        return map;
    }

    public async Task<IReadOnlyList<StaffMember>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        var staff = new List<StaffMember>();
        await foreach (var entity in tables.Staff.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(clinicId)}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            staff.Add(ToStaff(entity));
        }

        return staff;
    }

    public async Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var duplicate = staff.GroupBy(s => s.EmployeeId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Employee '{duplicate.Key}' appears more than once; send each person once.", nameof(staff));

        var outcomes = new WriteOutcome[staff.Count];
        foreach (var clinic in staff.Select((s, i) => (Staff: s, Index: i)).GroupBy(x => x.Staff.ClinicId, StringComparer.Ordinal))
        {
            var rows = clinic.ToList();
            var entities = rows.Select(r => ToEntity(r.Staff)).ToList();
            var moved = new HashSet<int>();

            // Before writing: for people new to this clinic, find whether they moved from another one
            // (remove the old row) and point the index at this clinic. Doing this first self-heals:
            // if we stop half-way, the next import sees the row as new again and repeats these steps.
            async Task PrepareNewRows(IReadOnlyList<int> created)
            {
                await Parallel.ForEachAsync(created, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
                {
                    var person = rows[i].Staff;
                    var key = TableKey.Encode(person.EmployeeId);
                    var index = await tables.EmployeeIndex.GetEntityOrNullAsync(key, IndexRow, ct).ConfigureAwait(false);
                    if (index?.GetString("ClinicId") is { } oldClinic && !string.Equals(oldClinic, person.ClinicId, StringComparison.Ordinal))
                    {
                        // Their credentials go with them, before the old row and the index let go of the old clinic.
                        await TableCredentialRecordStore.MoveAsync(tables, person.EmployeeId, oldClinic, person.ClinicId, ct).ConfigureAwait(false);
                        await tables.Staff.DeleteEntityOnceAsync(TableKey.Encode(oldClinic), key, ETag.All, ct).ConfigureAwait(false);
                        lock (moved) moved.Add(i);
                    }

                    await tables.EmployeeIndex.UpsertReplaceAsync(new TableEntity(key, IndexRow) { ["ClinicId"] = person.ClinicId }, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }

            var clinicOutcomes = await PartitionUpsert.RunAsync(tables.Staff, TableKey.Encode(clinic.Key), entities, PrepareNewRows, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < rows.Count; i++)
            {
                outcomes[rows[i].Index] = moved.Contains(i) ? WriteOutcome.Updated : clinicOutcomes[i];
            }
        }

        return outcomes;
    }

    private static TableEntity ToEntity(StaffMember s) => new(TableKey.Encode(s.ClinicId), TableKey.Encode(s.EmployeeId))
    {
        ["FirstName"] = s.FirstName,
        ["LastName"] = s.LastName,
        ["Email"] = s.Email,
        ["Role"] = s.Role.ToString(),
        ["HireDate"] = EntityValues.Date(s.HireDate),
        ["State"] = s.State,
        ["BirthMonthDay"] = s.BirthMonthDay?.ToString(),
        ["Active"] = s.Active,
        ["TestingStartDate"] = EntityValues.Date(s.TestingStartDate),
    };

    private static StaffMember ToStaff(TableEntity e) => new(
        TableKey.Decode(e.RowKey),
        e.GetString("FirstName") ?? string.Empty,
        e.GetString("LastName") ?? string.Empty,
        e.GetString("Email") ?? string.Empty,
        TableKey.Decode(e.PartitionKey),
        EntityValues.Enum<StaffRole>(e, "Role"),
        EntityValues.Date(e, "HireDate"),
        e.GetString("State") ?? string.Empty,
        MonthDay.TryParse(e.GetString("BirthMonthDay"), out var md) ? md : null,
        e.GetBoolean("Active") ?? true,
        EntityValues.Date(e, "TestingStartDate"));
}
