using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using System.Collections.Concurrent;
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

        // A roster move stopped after its claim: the person is still in the clinic they were moving from.
        if (entity is null && index.GetString("MovingFrom") is { } from)
        {
            entity = await tables.Staff.GetEntityOrNullAsync(TableKey.Encode(from), key, cancellationToken).ConfigureAwait(false);
        }

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

    /// <summary>
    /// Per clinic: the partition is read and compared (<see cref="PartitionUpsert"/>). A person new to the clinic
    /// is claimed on the index row before their staff row is written: an insert when nobody has the employee id,
    /// an <c>If-Match</c> replace naming the clinic they move from (<c>MovingFrom</c>) when the index has them in
    /// another clinic. Then the staff rows go in, and each claim is confirmed by writing the index row again with
    /// the ETag the claim got: a concurrent claim that took the row over in between makes exactly one of the two
    /// fail, and the one that failed takes its staff row back. A lost claim or confirmation comes back as
    /// <see cref="WriteOutcome.Conflict"/>. Only after the confirmation does a move carry the credential records
    /// over, remove the old staff row and clear <c>MovingFrom</c>, so a move stopped at any step leaves the person
    /// in a clinic's roster, and the next import of the person (or the roster check) finishes it.
    /// </summary>
    public async Task<IReadOnlyList<WriteOutcome>> UpsertManyAsync(IReadOnlyList<StaffMember> staff, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var duplicate = staff.GroupBy(s => s.EmployeeId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Employee '{duplicate.Key}' appears more than once; send each person once.", nameof(staff));

        var outcomes = new WriteOutcome[staff.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };
        foreach (var clinic in staff.Select((s, i) => (Staff: s, Index: i)).GroupBy(x => x.Staff.ClinicId, StringComparer.Ordinal))
        {
            var rows = clinic.ToList();
            var entities = rows.Select(r => ToEntity(r.Staff)).ToList();
            var claims = new ConcurrentDictionary<int, Claim>();
            var lost = new ConcurrentDictionary<int, bool>();

            // Called before each round of batches with the rows to be inserted; answers the rows lost to another claim.
            async Task<IReadOnlyCollection<int>> ClaimNewRows(IReadOnlyList<int> created)
            {
                var unclaimed = created.Where(i => !claims.ContainsKey(i) && !lost.ContainsKey(i)).ToList();
                await Parallel.ForEachAsync(unclaimed, parallel, async (i, ct) =>
                {
                    if (await ClaimAsync(rows[i].Staff, ct).ConfigureAwait(false) is { } claim) claims[i] = claim;
                    else lost[i] = true;
                }).ConfigureAwait(false);
                return lost.Keys.ToList();
            }

            var clinicOutcomes = await PartitionUpsert.RunAsync(tables.Staff, TableKey.Encode(clinic.Key), entities, ClaimNewRows, cancellationToken).ConfigureAwait(false);
            await Parallel.ForEachAsync(claims, parallel, async (claim, ct) =>
            {
                if (!await ConfirmAsync(rows[claim.Key].Staff, claim.Value, ct).ConfigureAwait(false)) lost[claim.Key] = true;
            }).ConfigureAwait(false);

            for (var i = 0; i < rows.Count; i++)
            {
                outcomes[rows[i].Index] = lost.ContainsKey(i) ? WriteOutcome.Conflict
                    : claims.TryGetValue(i, out var c) && c.From is not null ? WriteOutcome.Updated
                    : clinicOutcomes[i];
            }
        }

        return outcomes;
    }

    /// <summary>A person's index row as this write claimed it: its ETag then, and the clinic they move from (null: new).</summary>
    private sealed record Claim(ETag ETag, string? From);

    /// <summary>A person's employee-index row: PartitionKey = encoded employee id, RowKey <c>clinic</c>.</summary>
    internal static TableEntity Pointer(string key, string clinicId, string? movingFrom) =>
        new(key, IndexRow) { ["ClinicId"] = clinicId, ["MovingFrom"] = movingFrom };

    /// <summary>
    /// Claims the person for their row's clinic on the index row, or null when a concurrent write claimed them for
    /// another clinic. An index row naming this clinic already (a move or create stopped half-way, or a concurrent
    /// import into the same clinic) is taken as it is, with the move it records still to finish.
    /// </summary>
    private async Task<Claim?> ClaimAsync(StaffMember person, CancellationToken cancellationToken)
    {
        var key = TableKey.Encode(person.EmployeeId);
        var raced = false;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var index = await tables.EmployeeIndex.GetEntityOrNullAsync(key, IndexRow, cancellationToken).ConfigureAwait(false);
            var current = index?.GetString("ClinicId");
            if (index is not null && string.Equals(current, person.ClinicId, StringComparison.Ordinal))
            {
                return new Claim(index.ETag, index.GetString("MovingFrom"));
            }

            // Someone claimed the person for another clinic while we were claiming: theirs stands.
            if (raced) return null;
            try
            {
                if (index is null || current is null)
                {
                    var added = index is null
                        ? await tables.EmployeeIndex.AddEntityOnceAsync(Pointer(key, person.ClinicId, null), cancellationToken).ConfigureAwait(false)
                        : await tables.EmployeeIndex.UpdateReplaceOnceAsync(Pointer(key, person.ClinicId, null), index.ETag, cancellationToken).ConfigureAwait(false);
                    return new Claim(added, null);
                }

                var moved = await tables.EmployeeIndex.UpdateReplaceOnceAsync(Pointer(key, person.ClinicId, current), index.ETag, cancellationToken).ConfigureAwait(false);
                return new Claim(moved, current);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
            {
                raced = true;
            }
        }

        return null;
    }

    /// <summary>
    /// Confirms a claim after the staff row was written: the index row is written again with the claim's ETag.
    /// When that fails, another write took the person over since the claim, and our staff row is taken back
    /// (unless the index names this clinic again). A confirmed move then finishes: records carried over, the old
    /// row removed, <c>MovingFrom</c> cleared.
    /// </summary>
    private async Task<bool> ConfirmAsync(StaffMember person, Claim claim, CancellationToken cancellationToken)
    {
        var key = TableKey.Encode(person.EmployeeId);
        var partition = TableKey.Encode(person.ClinicId);
        ETag confirmed;
        try
        {
            confirmed = await tables.EmployeeIndex.UpdateReplaceOnceAsync(Pointer(key, person.ClinicId, claim.From), claim.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            var index = await tables.EmployeeIndex.GetEntityOrNullAsync(key, IndexRow, cancellationToken).ConfigureAwait(false);
            if (string.Equals(index?.GetString("ClinicId"), person.ClinicId, StringComparison.Ordinal)) return true;
            await tables.Staff.DeleteEntityOnceAsync(partition, key, ETag.All, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (claim.From is { } from && !string.Equals(from, person.ClinicId, StringComparison.Ordinal))
        {
            // Their credentials go with them, before the old row lets go of the old clinic.
            await TableCredentialRecordStore.MoveAsync(tables, person.EmployeeId, from, person.ClinicId, cancellationToken).ConfigureAwait(false);
            await tables.Staff.DeleteEntityOnceAsync(TableKey.Encode(from), key, ETag.All, cancellationToken).ConfigureAwait(false);
            try
            {
                await tables.EmployeeIndex.UpdateReplaceOnceAsync(Pointer(key, person.ClinicId, null), confirmed, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Written again since the confirmation (another move): that write owns the row now.
            }
        }

        return true;
    }

    /// <summary>Two scans: the staff table (keys and <c>Active</c> only) and the index.</summary>
    public async Task<IReadOnlyList<RosterProblem>> FindRosterProblemsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await StaffClinicsAsync(cancellationToken).ConfigureAwait(false);
        var index = new Dictionary<string, (string? ClinicId, string? MovingFrom)>(StringComparer.Ordinal);
        await foreach (var entity in tables.EmployeeIndex.QueryAsync<TableEntity>(select: ["PartitionKey", "ClinicId", "MovingFrom"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            index[TableKey.Decode(entity.PartitionKey)] = (entity.GetString("ClinicId"), entity.GetString("MovingFrom"));
        }

        var problems = new List<RosterProblem>();
        foreach (var id in rows.Keys.Union(index.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var clinics = rows.TryGetValue(id, out var found) ? found.Select(r => r.ClinicId).Order(StringComparer.Ordinal).ToList() : [];
            var indexed = index.TryGetValue(id, out var pointer) ? pointer : (null, null);
            if (clinics.Count == 1 && string.Equals(clinics[0], indexed.ClinicId, StringComparison.Ordinal) && indexed.MovingFrom is null) continue;
            problems.Add(new RosterProblem(id, indexed.ClinicId, clinics));
        }

        return problems;
    }

    public async Task<RosterRepair> RepairAsync(RosterProblem problem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var key = TableKey.Encode(problem.EmployeeId);
        var index = await tables.EmployeeIndex.GetEntityOrNullAsync(key, IndexRow, cancellationToken).ConfigureAwait(false);
        var rows = new List<(string ClinicId, bool Active)>();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {key}");
        await foreach (var entity in tables.Staff.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "Active"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add((TableKey.Decode(entity.PartitionKey), entity.GetBoolean("Active") ?? true));
        }

        var onRecord = index?.GetString("ClinicId");
        if (rows.Count == 0)
        {
            if (index is not null) await tables.EmployeeIndex.DeleteEntityOnceAsync(key, IndexRow, index.ETag, cancellationToken).ConfigureAwait(false);
            return new RosterRepair(problem.EmployeeId, null, []);
        }

        var keep = rows.Any(r => string.Equals(r.ClinicId, onRecord, StringComparison.Ordinal))
            ? onRecord!
            : rows.OrderByDescending(r => r.Active).ThenBy(r => r.ClinicId, StringComparer.Ordinal).First().ClinicId;

        // The lookup first (conditional on what we read), so a concurrent import that re-points it makes the repair fail instead of undoing the import.
        var pointer = Pointer(key, keep, null);
        if (index is null) await tables.EmployeeIndex.AddEntityOnceAsync(pointer, cancellationToken).ConfigureAwait(false);
        else if (!string.Equals(onRecord, keep, StringComparison.Ordinal) || index.GetString("MovingFrom") is not null)
        {
            await tables.EmployeeIndex.UpdateReplaceOnceAsync(pointer, index.ETag, cancellationToken).ConfigureAwait(false);
        }

        var removed = new List<string>();
        foreach (var (other, _) in rows.Where(r => !string.Equals(r.ClinicId, keep, StringComparison.Ordinal)).OrderBy(r => r.ClinicId, StringComparer.Ordinal))
        {
            await TableCredentialRecordStore.MergeAsync(tables, problem.EmployeeId, other, keep, cancellationToken).ConfigureAwait(false);
            await tables.Staff.DeleteEntityOnceAsync(TableKey.Encode(other), key, ETag.All, cancellationToken).ConfigureAwait(false);
            removed.Add(other);
        }

        return new RosterRepair(problem.EmployeeId, keep, removed);
    }

    /// <summary>Every staff row's clinic and whether it is active, by employee id (one scan of keys and one property).</summary>
    private async Task<Dictionary<string, List<(string ClinicId, bool Active)>>> StaffClinicsAsync(CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, List<(string, bool)>>(StringComparer.Ordinal);
        await foreach (var entity in tables.Staff.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Active"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var id = TableKey.Decode(entity.RowKey);
            if (!rows.TryGetValue(id, out var list)) rows[id] = list = [];
            list.Add((TableKey.Decode(entity.PartitionKey), entity.GetBoolean("Active") ?? true));
        }

        return rows;
    }

    internal static TableEntity ToEntity(StaffMember s) => new(TableKey.Encode(s.ClinicId), TableKey.Encode(s.EmployeeId))
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
