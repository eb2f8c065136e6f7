using Azure.Data.Tables;
using ComplianceBot.Domain.Model;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Bench;

/// <summary>One clinic's rows for <see cref="TableSeeder"/>: the clinic, its staff and their credential records.</summary>
internal sealed record SeedClinic(Clinic Clinic, IReadOnlyList<StaffMember> Staff, IReadOnlyList<CredentialRecord> Records);

/// <summary>
/// Writes benchmark data straight to the tables: the rows the repositories write (clinics, staff, employee-index
/// rows, credential records), built by the repositories' own entity mapping, as entity-group transactions of up to
/// 100 per partition, many partitions at once. It skips the per-person claim an import makes on the employee index
/// (an insert and a confirm each, there to settle concurrent imports), so it is for an empty store in a benchmark
/// and nowhere else. Each index row is its own partition (keyed by employee), so those are single upserts.
/// </summary>
internal static class TableSeeder
{
    private const int Concurrency = 32;

    public static async Task SeedAsync(StorageTables tables, IEnumerable<SeedClinic> clinics, CancellationToken cancellationToken = default)
    {
        var clinicRows = new List<TableEntity>();
        await Parallel.ForEachAsync(Writes(tables, clinics, clinicRows), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (write, ct) => await write(ct));

        // The clinics share one partition: written last, in batches of 100.
        foreach (var batch in clinicRows.Chunk(TableClientExtensions.MaxTransactionActions))
        {
            await tables.Clinics.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
        }
    }

    /// <summary>Each clinic's writes, made as the clinics are enumerated so the whole group is never in memory at once.</summary>
    private static IEnumerable<Func<CancellationToken, Task>> Writes(StorageTables tables, IEnumerable<SeedClinic> clinics, List<TableEntity> clinicRows)
    {
        foreach (var seed in clinics)
        {
            clinicRows.Add(TableClinicStore.ToEntity(seed.Clinic));
            var partition = TableKey.Encode(seed.Clinic.Id);
            foreach (var batch in seed.Staff.Select(TableStaffStore.ToEntity).Chunk(TableClientExtensions.MaxTransactionActions))
            {
                yield return ct => Submit(tables.Staff, batch, ct);
            }

            foreach (var batch in seed.Records.Select(r => TableCredentialRecordStore.ToEntity(partition, r)).Chunk(TableClientExtensions.MaxTransactionActions))
            {
                yield return ct => Submit(tables.CredentialRecords, batch, ct);
            }

            foreach (var person in seed.Staff)
            {
                var pointer = TableStaffStore.Pointer(TableKey.Encode(person.EmployeeId), person.ClinicId, movingFrom: null);
                yield return async ct => await tables.EmployeeIndex.UpsertEntityAsync(pointer, TableUpdateMode.Replace, ct);
            }
        }
    }

    private static async Task Submit(TableClient table, TableEntity[] batch, CancellationToken cancellationToken) =>
        await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
}
