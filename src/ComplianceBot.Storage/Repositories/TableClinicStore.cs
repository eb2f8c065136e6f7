using System.Text.Json;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;
using Azure;
using Azure.Data.Tables;
using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Repositories;

/// <summary>Clinics in one small partition (<c>clinic</c>), RowKey = encoded clinic id.</summary>
public sealed class TableClinicStore(StorageTables tables) : IClinicStore
{
    internal const string Partition = "clinic";

    public async Task<Clinic?> GetAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        var entity = await tables.Clinics.GetEntityOrNullAsync(Partition, TableKey.Encode(clinicId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToClinic(entity);
    }

    public async Task<IReadOnlyList<Clinic>> ListAsync(CancellationToken cancellationToken = default)
    {
        var clinics = new List<Clinic>();
        await foreach (var entity in tables.Clinics.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            clinics.Add(ToClinic(entity));
        }

        return clinics.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<bool> UpsertAsync(Clinic clinic, CancellationToken cancellationToken = default) =>
        (await PutAsync(clinic, WritePrecondition.None, cancellationToken).ConfigureAwait(false)).Outcome == WriteOutcome.Created;

    public async Task<Versioned<Clinic>?> GetVersionedAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        var entity = await tables.Clinics.GetEntityOrNullAsync(Partition, TableKey.Encode(clinicId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : new Versioned<Clinic>(ToClinic(entity), EntityValues.Version(entity));
    }

    public async Task<ConditionalWrite> PutAsync(Clinic clinic, WritePrecondition precondition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        ArgumentNullException.ThrowIfNull(precondition);
        var entity = ToEntity(clinic);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await tables.Clinics.GetEntityOrNullAsync(Partition, entity.RowKey, cancellationToken).ConfigureAwait(false);
            var version = stored is null ? null : EntityValues.Version(stored);
            if (!precondition.IsSatisfiedBy(version)) return ConditionalWrite.Failed(version);
            try
            {
                // Insert-only or ETag-conditional, so the precondition holds for the row actually replaced.
                if (stored is null)
                {
                    var created = await tables.Clinics.AddEntityOnceAsync(entity, cancellationToken).ConfigureAwait(false);
                    return ConditionalWrite.Written(WriteOutcome.Created, EntityValues.Version(created));
                }

                if (TableEntities.SameProperties(stored, entity)) return ConditionalWrite.Written(WriteOutcome.Unchanged, version!);
                var updated = await tables.Clinics.UpdateReplaceOnceAsync(entity, stored.ETag, cancellationToken).ConfigureAwait(false);
                return ConditionalWrite.Written(WriteOutcome.Updated, EntityValues.Version(updated));
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412 && attempt < 3)
            {
                // A concurrent writer got there first: read again and check the precondition against its row.
            }
        }
    }

    internal static TableEntity ToEntity(Clinic clinic) => new(Partition, TableKey.Encode(clinic.Id))
    {
        ["Name"] = clinic.Name,
        ["TimeZoneId"] = clinic.TimeZoneId,
        ["State"] = clinic.State,
        ["ManagerEmails"] = JsonSerializer.Serialize(clinic.ManagerEmails),
        ["SendHour"] = clinic.SendHour,
        ["BusinessDays"] = string.Join(',', clinic.BusinessDays.Order().Select(d => d.ToString())),
        ["WaivesCertification"] = clinic.WaivesCertification,

        // Settings that switch conditional requirements on; absent on older rows, read as false.
        ["RequiresRespirators"] = clinic.RequiresRespirators,
        ["ExpectsExtinguisherUse"] = clinic.ExpectsExtinguisherUse,
        ["PerformsWaivedTesting"] = clinic.PerformsWaivedTesting,

        // Absent on older rows: managers are then matched by address.
        ["ManagerObjectIds"] = JsonSerializer.Serialize(clinic.ManagerObjectIds ?? []),
    };

    private static Clinic ToClinic(TableEntity e) => new(
        TableKey.Decode(e.RowKey),
        EntityValues.Required(e, "Name"),
        EntityValues.Required(e, "TimeZoneId"),
        EntityValues.Required(e, "State"),
        JsonSerializer.Deserialize<List<string>>(e.GetString("ManagerEmails") ?? "[]") ?? [],
        e.GetInt32("SendHour") ?? 0,
        (e.GetString("BusinessDays") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<DayOfWeek>).ToHashSet(),
        e.GetBoolean("WaivesCertification") ?? false,
        e.GetBoolean("RequiresRespirators") ?? false,
        e.GetBoolean("ExpectsExtinguisherUse") ?? false,
        e.GetBoolean("PerformsWaivedTesting") ?? false,
        JsonSerializer.Deserialize<List<string>>(e.GetString("ManagerObjectIds") ?? "[]") ?? []);
}
