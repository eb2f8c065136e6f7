using ComplianceBot.Application.Import;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reports;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;

namespace ComplianceBot.Application.Renewals;

/// <summary>One item of a person's renewal page.</summary>
/// <param name="Codes">Catalog codes that satisfy the requirement (any one may be sent).</param>
/// <param name="Latest">The newest submission for the requirement, if any.</param>
public sealed record RenewalItem(RequirementStatus Status, IReadOnlyList<CredentialType> Codes, Submission? Latest);

/// <summary>What a person sees on their renewal page.</summary>
public sealed record RenewalPage(Clinic Clinic, StaffMember Person, DateOnly AsOf, IReadOnlyList<RenewalItem> Items);

/// <summary>Why a submission was not stored.</summary>
public enum SubmitFailure
{
    None,

    /// <summary>The link's person left, moved clinic or is unknown: the link no longer grants anything.</summary>
    Revoked,

    /// <summary>The item is not one of the person's due, expiring or missing items (for example approved already).</summary>
    NotOpen,

    /// <summary>A field is wrong (<see cref="SubmitOutcome.Field"/>, <see cref="SubmitOutcome.Problem"/>).</summary>
    Invalid,

    /// <summary>The file's bytes are not a JPEG, PNG or PDF.</summary>
    UnsupportedFile,

    /// <summary>The file is larger than <see cref="RenewalOptions.MaxFileBytes"/>.</summary>
    TooLarge,
}

public sealed record SubmitOutcome(SubmitFailure Failure, Submission? Submission = null, string? Field = null, string? Problem = null);

/// <summary>
/// The staff side of self-service renewal: the page of one person's open items, and a submission of one of them
/// (dates, number and certificate file), stored as pending until HR or a manager verifies it.
/// </summary>
public sealed class SelfServiceRenewalService(
    IStaffStore staff,
    IClinicStore clinics,
    ComplianceReportService reports,
    CredentialCatalog catalog,
    ImportService import,
    ISubmissionStore submissions,
    EvidenceUpload upload,
    IAuditLog audit,
    TimeProvider time)
{
    /// <summary>Submissions decided within this many days still show on the page, so a person sees what became of theirs.</summary>
    private const int RecentDecisionDays = 30;

    /// <summary>The person the grant names, when the grant still holds: they are active and still in the clinic the link names.</summary>
    public async Task<(Clinic Clinic, StaffMember Person)?> ResolveAsync(RenewalGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var person = await staff.GetAsync(grant.EmployeeId, cancellationToken).ConfigureAwait(false);
        if (person is null || !person.Active || person.ClinicId != grant.ClinicId) return null;
        var clinic = await clinics.GetAsync(person.ClinicId, cancellationToken).ConfigureAwait(false);
        return clinic is null ? null : (clinic, person);
    }

    /// <summary>The page: every item that is not current, and every item with a submission pending or decided lately; null when the grant no longer holds.</summary>
    public async Task<RenewalPage?> PageAsync(RenewalGrant grant, CancellationToken cancellationToken = default)
    {
        var resolved = await ResolveAsync(grant, cancellationToken).ConfigureAwait(false);
        if (resolved is not { } found) return null;
        var asOf = ComplianceReportService.Today(found.Clinic, time);
        var compliance = await reports.ForStaffAsync(found.Person.EmployeeId, asOf, cancellationToken).ConfigureAwait(false);
        var theirs = (await submissions.ListByClinicAsync(found.Clinic.Id, cancellationToken).ConfigureAwait(false))
            .Where(s => s.EmployeeId == found.Person.EmployeeId && s.State != SubmissionState.Superseded)
            .ToList();
        var recent = time.GetUtcNow().AddDays(-RecentDecisionDays);

        var items = new List<RenewalItem>();
        foreach (var status in compliance!.Value.Compliance.Requirements)
        {
            var codes = CodesOf(status);
            var latest = theirs.Where(s => codes.Any(c => c.Code == s.CredentialCode)).MaxBy(s => s.SubmittedAt);
            var shown = status.State != ComplianceState.Current
                || latest is { State: SubmissionState.Pending }
                || (latest?.DecidedAt is { } decided && decided >= recent);
            if (shown) items.Add(new RenewalItem(status, codes, latest));
        }

        return new RenewalPage(found.Clinic, found.Person, asOf, items);
    }

    /// <summary>
    /// Stores one submission: checks the item and the fields first (nothing is stored for a wrong field), then
    /// streams the file to the evidence store (at most <see cref="RenewalOptions.MaxFileBytes"/>), then writes the
    /// pending submission. An upload that fails part-way leaves neither a file nor a submission: what it started
    /// is removed and counted in the audit log (<c>renewal.upload.incomplete</c>).
    /// </summary>
    public async Task<SubmitOutcome> SubmitAsync(RenewalGrant grant, string code, IReadOnlyDictionary<string, string?> fields, Stream file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(file);
        var resolved = await ResolveAsync(grant, cancellationToken).ConfigureAwait(false);
        if (resolved is not { } found) return new SubmitOutcome(SubmitFailure.Revoked);
        var (clinic, person) = found;
        if (!catalog.TryResolve(code, out var type)) return new SubmitOutcome(SubmitFailure.NotOpen, Problem: $"'{code}' is not a credential on your list.");

        var asOf = ComplianceReportService.Today(clinic, time);
        var compliance = await reports.ForStaffAsync(person.EmployeeId, asOf, cancellationToken).ConfigureAwait(false);
        var status = compliance!.Value.Compliance.Requirements.FirstOrDefault(r => CodesOf(r).Any(c => c.Code == type.Code));
        if (status is null) return new SubmitOutcome(SubmitFailure.NotOpen, Problem: $"{type.Name} is not one of your requirements.");
        if (status.State == ComplianceState.Current)
        {
            return new SubmitOutcome(SubmitFailure.NotOpen, Problem: $"{type.Name} is up to date on your record (due {status.DueDate:yyyy-MM-dd}); there is nothing to send for it now.");
        }

        var values = new Dictionary<string, string?>(fields, StringComparer.Ordinal)
        {
            ["employee_id"] = person.EmployeeId,
            ["credential"] = type.Code,
        };
        var (record, error) = import.ValidateRenewal(person, values, "self-service");
        if (record is null) return new SubmitOutcome(SubmitFailure.Invalid, Field: error!.Field, Problem: error.Reason);

        var now = time.GetUtcNow();
        var id = NewId(now);
        var stored = await upload.StoreAsync(
            $"{clinic.Id}/{person.EmployeeId}/{type.Code}/{id}",
            file,
            (_, removed) => RecordIncompleteAsync(clinic.Id, person.EmployeeId, type.Code, removed, "the upload was cut off before the file was complete"),
            cancellationToken).ConfigureAwait(false);
        switch (stored.Failure)
        {
            case EvidenceUploadFailure.UnsupportedFile:
                return new SubmitOutcome(SubmitFailure.UnsupportedFile, Field: "file", Problem: EvidenceUpload.UnsupportedReason);
            case EvidenceUploadFailure.TooLarge:
                return new SubmitOutcome(SubmitFailure.TooLarge, Field: "file", Problem: upload.TooLargeReason);
        }

        var (blob, contentType, length) = (stored.Blob!, stored.ContentType!, stored.Length);
        var submission = new Submission(id, clinic.Id, person.EmployeeId, type.Code, record.IssuedOn!.Value, record.PrintedExpiresOn, record.CredentialNumber, blob, contentType, length, now);
        try
        {
            await submissions.AddAsync(submission, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            var removed = await upload.RemoveOrphanAsync(blob).ConfigureAwait(false);
            await RecordIncompleteAsync(clinic.Id, person.EmployeeId, type.Code, removed, "the submission could not be saved after its file was").ConfigureAwait(false);
            throw;
        }

        await SupersedeOlderAsync(submission, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(new AuditRecord(now, $"self-service:{person.EmployeeId}", "renewal.submit", clinic.Id, $"{person.EmployeeId}/{type.Code}", "pending", $"submission {id}, {contentType}, {length} bytes"), CancellationToken.None).ConfigureAwait(false);
        return new SubmitOutcome(SubmitFailure.None, submission);
    }

    /// <summary>The catalog codes that satisfy a requirement (its key lists them, e.g. <c>BLS|BLS_ARC</c>).</summary>
    public IReadOnlyList<CredentialType> CodesOf(RequirementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var codes = new List<CredentialType>();
        foreach (var part in status.RequirementKey.Split('|'))
        {
            if (catalog.TryResolve(part, out var type) && codes.All(c => c.Code != type.Code)) codes.Add(type);
        }

        if (status.Credential is { } held && codes.All(c => c.Code != held.Code)) codes.Insert(0, held);
        return codes;
    }

    /// <summary>Newest first when sorted as text (inverted ticks), unique by a random tail.</summary>
    private static string NewId(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];

    private async Task SupersedeOlderAsync(Submission newest, CancellationToken cancellationToken)
    {
        foreach (var older in await submissions.ListByClinicAsync(newest.ClinicId, cancellationToken).ConfigureAwait(false))
        {
            if (older.Id == newest.Id || older.State != SubmissionState.Pending || older.EmployeeId != newest.EmployeeId || older.CredentialCode != newest.CredentialCode) continue;
            if (await submissions.GetAsync(older.ClinicId, older.Id, cancellationToken).ConfigureAwait(false) is { } current)
            {
                await submissions.TryReplaceAsync(current.Value with { State = SubmissionState.Superseded }, current.Version, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RecordIncompleteAsync(string clinicId, string employeeId, string code, bool removed, string why)
    {
        await audit.AppendAsync(
            new AuditRecord(time.GetUtcNow(), $"self-service:{employeeId}", "renewal.upload.incomplete", clinicId, $"{employeeId}/{code}", removed ? "file removed" : "no file stored", why),
            CancellationToken.None).ConfigureAwait(false);
    }
}
