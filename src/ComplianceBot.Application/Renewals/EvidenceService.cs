using ComplianceBot.Application.Ports;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Application.Renewals;

/// <summary>How attaching a file to a record went.</summary>
public enum AttachFailure
{
    None,

    /// <summary>The person holds no record of that credential yet: record its date first.</summary>
    NoRecord,
    UnsupportedFile,
    TooLarge,
}

/// <summary>
/// Certificate files of stored records: HR attaches one to any record (the record keeps its dates and points to the new
/// file; the file it pointed to before stays in storage, as the credential's history), and the file of a record is read
/// for a download.
/// </summary>
public sealed class EvidenceService(ICredentialRecordStore records, IEvidenceStore evidence, EvidenceUpload upload, IAuditLog audit, TimeProvider time)
{
    public async Task<(AttachFailure Failure, string? Problem)> AttachAsync(StaffMember person, string code, Stream file, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(person);
        var record = (await records.ListByStaffAsync(person.ClinicId, person.EmployeeId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.CredentialCode == code);
        if (record is null) return (AttachFailure.NoRecord, $"{person.EmployeeId} has no {code} record yet: record its date first (PUT /api/staff/{person.EmployeeId}/credentials/{code}), then attach the file.");

        var now = time.GetUtcNow();
        var inverted = (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
        var name = $"{person.ClinicId}/{person.EmployeeId}/{code}/hr-{inverted}-{Guid.NewGuid().ToString("N")[..12]}";
        var stored = await upload.StoreAsync(
            name,
            file,
            (_, removed) => audit.AppendAsync(new AuditRecord(time.GetUtcNow(), actor, "evidence.upload.incomplete", person.ClinicId, $"{person.EmployeeId}/{code}", removed ? "file removed" : "no file stored"), CancellationToken.None),
            cancellationToken).ConfigureAwait(false);
        if (stored.Failure == EvidenceUploadFailure.UnsupportedFile) return (AttachFailure.UnsupportedFile, EvidenceUpload.UnsupportedReason);
        if (stored.Failure == EvidenceUploadFailure.TooLarge) return (AttachFailure.TooLarge, upload.TooLargeReason);

        try
        {
            await records.UpsertManyAsync(person.ClinicId, [record with { Evidence = stored.Blob }], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await upload.RemoveOrphanAsync(stored.Blob!).ConfigureAwait(false);
            throw;
        }

        await audit.AppendAsync(new AuditRecord(now, actor, "evidence.attach", person.ClinicId, $"{person.EmployeeId}/{code}", "ok", $"{stored.ContentType}, {stored.Length} bytes"), CancellationToken.None).ConfigureAwait(false);
        return (AttachFailure.None, null);
    }

    /// <summary>The file name of the certificate of a person's current record of <paramref name="code"/>, or null.</summary>
    public async Task<string?> EvidenceOfAsync(StaffMember person, string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(person);
        var record = (await records.ListByStaffAsync(person.ClinicId, person.EmployeeId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.CredentialCode == code);
        return record?.Evidence;
    }

    public Task<EvidenceFile?> OpenAsync(string blob, CancellationToken cancellationToken = default) => evidence.OpenReadAsync(blob, cancellationToken);
}
