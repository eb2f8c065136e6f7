using Azure;
using Azure.Data.Tables;
using ComplianceBot.Application.Ports;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Self-service submissions: PartitionKey = clinic id, RowKey = submission id. A clinic holds a few hundred a year, read whole.
/// </summary>
public sealed class TableSubmissionStore(StorageTables tables) : ISubmissionStore
{
    public async Task AddAsync(Submission submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        await tables.Submissions.AddEntityAsync(ToEntity(submission), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The version is the table's own ETag: it is only handed back to <see cref="TryReplaceAsync"/>, never to a client.</summary>
    public async Task<Versioned<Submission>?> GetAsync(string clinicId, string id, CancellationToken cancellationToken = default)
    {
        var found = await tables.Submissions.GetEntityIfExistsAsync<TableEntity>(clinicId, id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue && found.Value is { } entity ? new Versioned<Submission>(FromEntity(entity), entity.ETag.ToString()) : null;
    }

    public async Task<IReadOnlyList<Submission>> ListByClinicAsync(string clinicId, CancellationToken cancellationToken = default)
    {
        var list = new List<Submission>();
        await foreach (var entity in tables.Submissions.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {clinicId}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(FromEntity(entity));
        }

        return list;
    }

    public async Task<bool> TryReplaceAsync(Submission submission, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        try
        {
            await tables.Submissions.UpdateEntityAsync(ToEntity(submission), new ETag(version), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    private static TableEntity ToEntity(Submission s) => new(s.ClinicId, s.Id)
    {
        ["EmployeeId"] = s.EmployeeId,
        ["CredentialCode"] = s.CredentialCode,
        ["IssuedOn"] = EntityValues.Date(s.IssuedOn),
        ["PrintedExpiresOn"] = EntityValues.Date(s.PrintedExpiresOn),
        ["CredentialNumber"] = s.CredentialNumber,
        ["EvidenceBlob"] = s.EvidenceBlob,
        ["EvidenceContentType"] = s.EvidenceContentType,
        ["EvidenceBytes"] = s.EvidenceBytes,
        ["SubmittedAt"] = s.SubmittedAt,
        ["State"] = s.State.ToString(),
        ["DecidedBy"] = s.DecidedBy,
        ["DecidedAt"] = s.DecidedAt,
        ["Reason"] = s.Reason,
    };

    private static Submission FromEntity(TableEntity e) => new(
        e.RowKey,
        e.PartitionKey,
        EntityValues.Required(e, "EmployeeId"),
        EntityValues.Required(e, "CredentialCode"),
        EntityValues.Date(e, "IssuedOn") ?? DateOnly.MinValue,
        EntityValues.Date(e, "PrintedExpiresOn"),
        e.GetString("CredentialNumber"),
        EntityValues.Required(e, "EvidenceBlob"),
        EntityValues.Required(e, "EvidenceContentType"),
        e.GetInt64("EvidenceBytes") ?? 0,
        e.GetDateTimeOffset("SubmittedAt") ?? DateTimeOffset.MinValue,
        EntityValues.Enum<SubmissionState>(e, "State"),
        e.GetString("DecidedBy"),
        e.GetDateTimeOffset("DecidedAt"),
        e.GetString("Reason"));
}
