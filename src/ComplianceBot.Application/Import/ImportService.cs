using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Application.Import;

/// <summary>Who is importing, and whether to write.</summary>
public sealed record ImportRequest(string Actor, bool DryRun, string Source = "import");

/// <summary>
/// Validates roster and training-record rows one by one, keeps every valid row, and writes the
/// accepted rows per clinic in batches. Rows equal to what is stored are not rewritten, so the same
/// file twice changes nothing the second time.
/// </summary>
public sealed partial class ImportService(
    IClinicStore clinics,
    IStaffStore staffStore,
    ICredentialRecordStore recordStore,
    IAuditLog audit,
    CredentialCatalog catalog,
    TimeProvider time)
{
    /// <summary>Longest value accepted in any cell; longer cells reject their row.</summary>
    public const int MaxCellLength = 256;

    /// <summary>Accepted rows are written in chunks of this many, so memory stays flat as files grow.</summary>
    public const int WriteChunk = 2000;

    public static readonly IReadOnlyList<string> RosterColumns =
        ["employee_id", "first_name", "last_name", "email", "clinic_id", "role", "hire_date", "state", "birth_month_day", "active", "testing_start_date"];

    public static readonly IReadOnlyList<string> RecordColumns =
        ["employee_id", "credential", "issued_on", "expires_on", "credential_number", "certified_on"];

    private static readonly IReadOnlyDictionary<string, string> RecordColumnAliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["completed_on"] = "issued_on",
        ["credential_code"] = "credential",
        ["code"] = "credential",
    };

    /// <summary>The roster columns a CSV header must name: each entry is one column, with the names it may go by.</summary>
    private static readonly IReadOnlyList<RequiredColumn> RosterRequired =
        new[] { "employee_id", "first_name", "last_name", "email", "clinic_id", "role" }.Select(c => new RequiredColumn(c, [c], $"{c} column")).ToList();

    private const string RosterRequiredText = "a roster needs the columns employee_id, first_name, last_name, email, clinic_id and role";

    /// <summary>The records columns a CSV header must name: a credential under any of its names, and an issue date or a printed expiry date.</summary>
    private static readonly IReadOnlyList<RequiredColumn> RecordRequired =
    [
        new("employee_id", ["employee_id"], "employee_id column"),
        new("credential", ["credential", "credential_code", "code"], "credential column (credential_code or code would do too)"),
        new("issued_on", ["issued_on", "completed_on", "expires_on"], "issued_on, completed_on or expires_on column"),
    ];

    private const string RecordRequiredText = "a training records file needs the columns employee_id and credential, and issued_on (or completed_on) or expires_on";

    private static readonly Dictionary<string, StaffRole> Roles = new Dictionary<string, StaffRole>(StringComparer.OrdinalIgnoreCase)
    {
        ["medical_assistant"] = StaffRole.MedicalAssistant,
        ["medical assistant"] = StaffRole.MedicalAssistant,
        ["ma"] = StaffRole.MedicalAssistant,
        ["office_manager"] = StaffRole.OfficeManager,
        ["office manager"] = StaffRole.OfficeManager,
        ["manager"] = StaffRole.OfficeManager,
        ["nurse"] = StaffRole.Nurse,
        ["rn"] = StaffRole.Nurse,
        ["lpn"] = StaffRole.Nurse,
        ["provider"] = StaffRole.Provider,
        ["physician"] = StaffRole.Provider,
        ["np"] = StaffRole.Provider,
        ["pa"] = StaffRole.Provider,
        ["phlebotomist"] = StaffRole.Phlebotomist,
        ["lab_technician"] = StaffRole.LabTechnician,
        ["lab technician"] = StaffRole.LabTechnician,
        ["lab_tech"] = StaffRole.LabTechnician,
        ["front_desk"] = StaffRole.FrontDesk,
        ["front desk"] = StaffRole.FrontDesk,
        ["receptionist"] = StaffRole.FrontDesk,
        ["other"] = StaffRole.Other,
    };

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "M/d/yyyy", "MM/dd/yyyy"];

    /// <summary>The role as a CSV writes it, e.g. <c>medical_assistant</c>.</summary>
    public static string RoleName(StaffRole role) => role switch
    {
        StaffRole.MedicalAssistant => "medical_assistant",
        StaffRole.OfficeManager => "office_manager",
        StaffRole.LabTechnician => "lab_technician",
        StaffRole.FrontDesk => "front_desk",
        _ => role.ToString().ToLowerInvariant(),
    };

    public static bool TryParseRole(string? text, out StaffRole role) => Roles.TryGetValue(text?.Trim() ?? string.Empty, out role);

    /// <summary>Parses <c>YYYY-MM-DD</c> or US <c>M/D/YYYY</c> as Excel writes it.</summary>
    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text?.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>
    /// Parses a date cell, or says in words why it is not one: not a date at all, or a placeholder outside
    /// 1900-01-01..2199-12-31 (such as 9999-12-31 or 1/1/0001, which many HR exports write for "none"
    /// and which would overflow every renewal sum downstream).
    /// </summary>
    public static string? DateProblem(string text, out DateOnly date)
    {
        if (!TryParseDate(text, out date)) return $"'{text}' is not a date (YYYY-MM-DD or M/D/YYYY)";
        if (!PlausibleDates.Contains(date))
        {
            return $"{date:yyyy-MM-dd} is outside {PlausibleDates.First:yyyy-MM-dd} to {PlausibleDates.Last:yyyy-MM-dd}; leave the cell empty when there is no date";
        }

        return null;
    }

    public async Task<ImportResult> ImportRosterAsync(IAsyncEnumerable<RawRow> rows, ImportRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(request);
        var known = (await clinics.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);

        // Where everyone was before this import, so a row that puts someone into another clinic is reported as a move.
        var before = await staffStore.ClinicsByEmployeeAsync(cancellationToken).ConfigureAwait(false);
        return await ImportAsync<StaffMember, string>(
            "import.roster",
            rows,
            request,
            new ColumnCheck(RosterColumns, aliases: null, RosterRequired, RosterRequiredText),
            (RawRow raw, out StaffMember staff) =>
            {
                staff = ValidateStaff(raw, known, out var error)!;
                return error;
            },
            staff => staff.EmployeeId,
            (raw, firstRow) => new RowError(raw.Row, "employee_id", $"duplicate of row {firstRow}"),
            (chunk, tally, ct) => WriteStaffAsync(chunk, before, tally, ct),
            chunksInFlight: 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<ImportResult> ImportRecordsAsync(IAsyncEnumerable<RawRow> rows, ImportRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(request);
        var roster = await staffStore.ClinicsByEmployeeAsync(cancellationToken).ConfigureAwait(false);
        using var slots = new SemaphoreSlim(WriteConcurrency);
        return await ImportAsync<(string ClinicId, CredentialRecord Record), (string, string)>(
            "import.records",
            rows,
            request,
            new ColumnCheck(RecordColumns, RecordColumnAliases, RecordRequired, RecordRequiredText),
            (RawRow raw, out (string ClinicId, CredentialRecord Record) item) =>
            {
                var record = ValidateRecord(raw, roster, request.Source, out var clinicId, out var error);
                item = (clinicId!, record!);
                return error;
            },
            item => (item.Record.EmployeeId, item.Record.CredentialCode),
            (raw, firstRow) => new RowError(raw.Row, "credential", $"duplicate of row {firstRow} (same employee and credential)"),
            (chunk, tally, ct) => WriteRecordsAsync(chunk, tally, slots, ct),
            chunksInFlight: 2,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks one row; returns its error, or null and the valid item.</summary>
    private delegate RowError? RowValidator<T>(RawRow row, out T item);

    /// <summary>
    /// The import loop shared by rosters and records: every row is checked on its own, valid rows are
    /// collected into chunks of <see cref="WriteChunk"/>, and chunks are written while the next one is read,
    /// at most <paramref name="chunksInFlight"/> at a time, so memory stays flat. A key seen twice rejects
    /// the later row.
    /// </summary>
    private async Task<ImportResult> ImportAsync<T, TKey>(
        string action,
        IAsyncEnumerable<RawRow> rows,
        ImportRequest request,
        ColumnCheck columns,
        RowValidator<T> validate,
        Func<T, TKey> keyOf,
        Func<RawRow, int, RowError> duplicate,
        Func<List<(T Item, int Row)>, Tally, CancellationToken, Task> write,
        int chunksInFlight,
        CancellationToken cancellationToken)
        where TKey : notnull
    {
        var tally = new Tally(request.DryRun);
        var importId = NewImportId();

        // Recorded before the first write, so an import killed part-way (no finish record) is found and shown to HR.
        await AuditStartAsync(action, request, importId, cancellationToken).ConfigureAwait(false);
        var seen = new Dictionary<TKey, int>();
        var pending = new List<(T Item, int Row)>();
        var writing = new Queue<Task>();
        var missingColumns = new List<string>();
        try
        {
            await foreach (var raw in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                // A client that went away stops the import here, whatever the source of the rows does with the token.
                cancellationToken.ThrowIfCancellationRequested();
                if (columns.Check(raw, tally.Warn) is { Count: > 0 } missing)
                {
                    // A required column the header does not name: one error for the header, not one per row,
                    // and nothing is imported (the rows are still counted, as rejected).
                    missingColumns.AddRange(missing.Select(m => m.Field));
                    foreach (var headerError in missing) tally.RejectHeader(headerError);
                }

                tally.Total++;
                if (missingColumns.Count > 0)
                {
                    tally.RejectUnlisted();
                    continue;
                }

                if (raw.StructuralError is { } structural)
                {
                    tally.Reject(structural);
                    continue;
                }

                if (validate(raw, out var item) is { } error)
                {
                    tally.Reject(error);
                    continue;
                }

                var key = keyOf(item);
                if (seen.TryGetValue(key, out var firstRow))
                {
                    tally.Reject(duplicate(raw, firstRow));
                    continue;
                }

                seen[key] = raw.Row;
                pending.Add((item, raw.Row));
                if (pending.Count >= WriteChunk)
                {
                    await StartWriteAsync(pending).ConfigureAwait(false);
                    pending = new List<(T Item, int Row)>(WriteChunk);
                }
            }

            if (pending.Count > 0) await StartWriteAsync(pending).ConfigureAwait(false);
            while (writing.Count > 0) await writing.Dequeue().ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            // The chunks in flight settle first, so the audit counts what they wrote; a failure of theirs is
            // the one already being reported, or comes second to it.
            foreach (var chunk in writing) await chunk.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await AuditFailureAsync(action, request, importId, tally, failure).ConfigureAwait(false);
            throw;
        }

        await AuditAsync(action, request, importId, tally, cancellationToken).ConfigureAwait(false);
        return tally.ToResult() with { MissingColumns = missingColumns, ImportId = request.DryRun ? null : importId };

        // Waits for the oldest chunk when as many as allowed are in flight, then starts writing this one.
        async Task StartWriteAsync(List<(T Item, int Row)> chunk)
        {
            if (writing.Count >= chunksInFlight) await writing.Dequeue().ConfigureAwait(false);
            writing.Enqueue(write(chunk, tally, cancellationToken));
        }
    }

    /// <summary>Validates one staff member given through the API (same rules as a roster row).</summary>
    public async Task<(StaffMember? Staff, RowError? Error)> ValidateStaffAsync(IReadOnlyDictionary<string, string?> fields, CancellationToken cancellationToken = default)
    {
        var known = (await clinics.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var staff = ValidateStaff(new RawRow(1, fields), known, out var error);
        return (staff, error);
    }

    /// <summary>
    /// Validates one renewal given through the API: the rules of a records row, except that the date it was
    /// issued or completed is required (a records file may give only the printed expiry date).
    /// </summary>
    public (CredentialRecord? Record, RowError? Error) ValidateRenewal(StaffMember owner, IReadOnlyDictionary<string, string?> fields, string source)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var row = new RawRow(1, fields);
        if (Field(row, "issued_on", RecordColumnAliases) is null)
        {
            return (null, new RowError(row.Row, "issued_on", "is required: the date the renewal was issued or completed (issued_on or completed_on); expires_on and credential_number are optional"));
        }

        var roster = new Dictionary<string, string>(StringComparer.Ordinal) { [owner.EmployeeId] = owner.ClinicId };
        var record = ValidateRecord(row, roster, source, out _, out var error);
        return (record, error);
    }

    /// <summary>The column that gave <paramref name="name"/> its value (an alias such as completed_on when that was used), so an error names the column in the file.</summary>
    private static string ColumnOf(RawRow row, string name, IReadOnlyDictionary<string, string> aliases)
    {
        if (row.Fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)) return name;
        foreach (var (alias, target) in aliases)
        {
            if (target == name && row.Fields.TryGetValue(alias, out var aliased) && !string.IsNullOrWhiteSpace(aliased)) return alias;
        }

        return name;
    }

    private static string? Field(RawRow row, string name, IReadOnlyDictionary<string, string>? aliases = null)
    {
        if (row.Fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)) return value.Trim();
        if (aliases is null) return null;
        foreach (var (alias, target) in aliases)
        {
            if (target == name && row.Fields.TryGetValue(alias, out var aliased) && !string.IsNullOrWhiteSpace(aliased)) return aliased.Trim();
        }

        return null;
    }

    private static RowError? CheckCells(RawRow row)
    {
        foreach (var (name, value) in row.Fields)
        {
            if (value is { Length: > MaxCellLength })
            {
                return new RowError(row.Row, name, $"value is {value.Length:N0} characters long; the limit is {MaxCellLength}");
            }

            if (value is not null && value.Any(c => char.IsControl(c) && c is not '\t'))
            {
                return new RowError(row.Row, name, "value contains a control character (line break or similar)");
            }
        }

        return null;
    }

    private static StaffMember? ValidateStaff(RawRow row, Dictionary<string, Clinic> known, out RowError? error)
    {
        error = CheckCells(row);
        if (error is not null) return null;

        var id = Field(row, "employee_id");
        if (id is null) return Fail(row, "employee_id", "is required", out error);
        if (!Ids.IsEmployeeId(id)) return Fail(row, "employee_id", Ids.EmployeeIdRule, out error);

        var first = Field(row, "first_name");
        if (first is null) return Fail(row, "first_name", "is required", out error);
        var last = Field(row, "last_name");
        if (last is null) return Fail(row, "last_name", "is required", out error);

        var email = Field(row, "email");
        if (email is null) return Fail(row, "email", "is required", out error);
        if (!PlainEmailAddress.TryParse(email, out _, out var emailProblem)) return Fail(row, "email", emailProblem!, out error);

        var clinicId = Field(row, "clinic_id");
        if (clinicId is null) return Fail(row, "clinic_id", "is required", out error);
        if (!known.TryGetValue(clinicId, out var clinic)) return Fail(row, "clinic_id", $"no clinic '{clinicId}'; create it first (PUT /api/clinics/{{id}})", out error);

        var roleText = Field(row, "role");
        if (roleText is null) return Fail(row, "role", "is required", out error);
        if (!TryParseRole(roleText, out var role)) return Fail(row, "role", $"'{roleText}' is not a role (medical_assistant, office_manager, nurse, provider, phlebotomist, lab_technician, front_desk, other)", out error);

        DateOnly? hire = null;
        if (Field(row, "hire_date") is { } hireText)
        {
            if (DateProblem(hireText, out var h) is { } hProblem) return Fail(row, "hire_date", hProblem, out error);
            hire = h;
        }

        var state = Field(row, "state")?.ToUpperInvariant() ?? clinic.State;
        if (!StatePattern().IsMatch(state)) return Fail(row, "state", $"'{state}' is not a two-letter US state", out error);

        MonthDay? birthday = null;
        if (Field(row, "birth_month_day") is { } bdText)
        {
            if (!MonthDay.TryParse(bdText, out var bd)) return Fail(row, "birth_month_day", $"'{bdText}' is not a month and day (MM-DD)", out error);
            birthday = bd;
        }

        var active = true;
        if (Field(row, "active") is { } activeText)
        {
            if (!TryParseBool(activeText, out active)) return Fail(row, "active", $"'{activeText}' is not true/false, yes/no or 1/0", out error);
        }

        DateOnly? testingStart = null;
        if (Field(row, "testing_start_date") is { } testingText)
        {
            if (DateProblem(testingText, out var t) is { } tProblem) return Fail(row, "testing_start_date", tProblem, out error);
            if (hire is { } hired && t < hired) return Fail(row, "testing_start_date", $"{t:yyyy-MM-dd} is before hire_date {hired:yyyy-MM-dd}", out error);
            testingStart = t;
        }

        return new StaffMember(id, first, last, email, clinic.Id, role, hire, state, birthday, active, testingStart);
    }

    private CredentialRecord? ValidateRecord(RawRow row, IReadOnlyDictionary<string, string> roster, string source, out string? clinicId, out RowError? error)
    {
        clinicId = null;
        error = CheckCells(row);
        if (error is not null) return null;

        var id = Field(row, "employee_id");
        if (id is null) return Fail<CredentialRecord>(row, "employee_id", "is required", out error);
        if (!roster.TryGetValue(id, out var staffClinic)) return Fail<CredentialRecord>(row, "employee_id", $"no staff member '{id}'; import the roster first", out error);

        var code = Field(row, "credential", RecordColumnAliases);
        if (code is null) return Fail<CredentialRecord>(row, "credential", "is required", out error);
        if (!catalog.TryResolve(code, out var type)) return Fail<CredentialRecord>(row, ColumnOf(row, "credential", RecordColumnAliases), $"'{code}' is not a known credential code (the catalog lists every code and alias: `compliancebot catalog`, or GET /api/catalog)", out error);

        DateOnly? issued = null;
        var issuedColumn = ColumnOf(row, "issued_on", RecordColumnAliases);
        if (Field(row, "issued_on", RecordColumnAliases) is { } issuedText)
        {
            if (DateProblem(issuedText, out var d) is { } dProblem) return Fail<CredentialRecord>(row, issuedColumn, dProblem, out error);
            issued = d;
        }

        DateOnly? expires = null;
        if (Field(row, "expires_on") is { } expiresText)
        {
            if (DateProblem(expiresText, out var d) is { } dProblem) return Fail<CredentialRecord>(row, "expires_on", dProblem, out error);
            expires = d;
        }

        if (issued is null && expires is null) return Fail<CredentialRecord>(row, "issued_on", "give issued_on (or completed_on) or expires_on", out error);
        if (issued is { } i && expires is { } e && e <= i) return Fail<CredentialRecord>(row, "expires_on", $"{e:yyyy-MM-dd} is not after {issuedColumn} {i:yyyy-MM-dd}", out error);

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (issued is { } future && future > today.AddDays(1)) return Fail<CredentialRecord>(row, issuedColumn, $"{future:yyyy-MM-dd} is in the future", out error);

        var number = Field(row, "credential_number");
        if (number is { Length: > 64 }) return Fail<CredentialRecord>(row, "credential_number", "is longer than 64 characters", out error);

        DateOnly? certified = null;
        if (Field(row, "certified_on") is { } certifiedText)
        {
            if (DateProblem(certifiedText, out var c) is { } cProblem) return Fail<CredentialRecord>(row, "certified_on", cProblem, out error);
            if (issued is { } i2 && c > i2) return Fail<CredentialRecord>(row, "certified_on", $"{c:yyyy-MM-dd} is after {issuedColumn} {i2:yyyy-MM-dd}: the original certification comes first", out error);
            certified = c;
        }

        clinicId = staffClinic;
        return new CredentialRecord(id, type.Code, issued, expires, number, source, Verified: false, certified);
    }

    private async Task WriteStaffAsync(List<(StaffMember Item, int Row)> batch, IReadOnlyDictionary<string, string> before, Tally tally, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        foreach (var (s, _) in batch) tally.AddClinic(s.ClinicId);
        IReadOnlyList<WriteOutcome> outcomes;
        if (tally.DryRun)
        {
            // Someone not in their row's clinic yet is a move (Updated, as the real import counts it) when
            // the organization-wide index has them elsewhere.
            var answer = new WriteOutcome[batch.Count];
            foreach (var group in batch.Select((b, i) => (b.Item, Index: i)).GroupBy(x => x.Item.ClinicId, StringComparer.Ordinal))
            {
                var stored = (await staffStore.ListByClinicAsync(group.Key, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.EmployeeId, StringComparer.Ordinal);
                foreach (var (s, i) in group)
                {
                    answer[i] = stored.TryGetValue(s.EmployeeId, out var old)
                        ? old == s ? WriteOutcome.Unchanged : WriteOutcome.Updated
                        : before.ContainsKey(s.EmployeeId) ? WriteOutcome.Updated : WriteOutcome.Created;
                }
            }

            outcomes = answer;
        }
        else
        {
            outcomes = await staffStore.UpsertManyAsync(batch.Select(b => b.Item).ToList(), cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] != WriteOutcome.Conflict) continue;
            var (lostRow, rowNumber) = batch[i];
            tally.Conflict(new RowError(rowNumber, "employee_id", $"not imported: another upload put {lostRow.EmployeeId} into another clinic at the same moment, and they stay there; upload this row again if they belong in {lostRow.ClinicId}"));
        }

        tally.Count(batch.Select((b, i) =>
        {
            var (s, row) = b;
            var move = outcomes[i] == WriteOutcome.Updated && before.TryGetValue(s.EmployeeId, out var from) && !string.Equals(from, s.ClinicId, StringComparison.Ordinal)
                ? new MovedRow(row, s.EmployeeId, from, s.ClinicId)
                : null;
            return (new ImportedRow(row, s.EmployeeId, s.ClinicId), outcomes[i], move);
        }).Where(w => w.Item2 != WriteOutcome.Conflict));
    }

    private async Task WriteRecordsAsync(List<((string ClinicId, CredentialRecord Record) Item, int Row)> batch, Tally tally, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        var pending = new List<(string ClinicId, List<(CredentialRecord Record, int Row)> Rows)>();
        foreach (var group in batch.GroupBy(r => r.Item.ClinicId, StringComparer.Ordinal))
        {
            tally.AddClinic(group.Key);
            var rows = group.Select(g => (g.Item.Record, g.Row)).ToList();
            if (tally.DryRun)
            {
                var stored = (await recordStore.ListByClinicAsync(group.Key, cancellationToken).ConfigureAwait(false))
                    .ToDictionary(r => (r.EmployeeId, r.CredentialCode));
                tally.Count(rows.Select(r => (
                    Listed(group.Key, r),
                    !stored.TryGetValue((r.Record.EmployeeId, r.Record.CredentialCode), out var old) ? WriteOutcome.Created : SameRecord(old, r.Record) ? WriteOutcome.Unchanged : WriteOutcome.Updated,
                    (MovedRow?)null)));
                continue;
            }

            pending.Add((group.Key, rows));
        }

        if (pending.Count == 0) return;

        // Clinics are separate partitions, so their writes go side by side: WriteConcurrency at once for the
        // whole import (the slots are shared by the chunks in flight, so the next chunk's clinics start as
        // this one's last ones finish). The first failure stops the clinics of this chunk still waiting.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writes = Task.WhenAll(pending.Select(p => WriteClinicAsync(p.ClinicId, p.Rows, tally, slots, stop)));
        try
        {
            await writes.ConfigureAwait(false);
        }
        catch when (writes.Exception is { } all && !cancellationToken.IsCancellationRequested)
        {
            // Report the failure itself, not a clinic that was stopped because of it.
            ExceptionDispatchInfo.Throw(all.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) ?? all.InnerExceptions[0]);
        }
    }

    /// <summary>
    /// One clinic's rows. Until a clinic turns out to hold some of the rows already, the import looks like a
    /// first upload and inserts without reading first; what was written is counted at once, so that an
    /// import that fails later still reports it.
    /// </summary>
    private async Task WriteClinicAsync(string clinicId, List<(CredentialRecord Record, int Row)> rows, Tally tally, SemaphoreSlim slots, CancellationTokenSource stop)
    {
        await slots.WaitAsync(stop.Token).ConfigureAwait(false); // a clinic stopped while waiting holds no slot
        try
        {
            var records = rows.Select(r => r.Record).ToList();
            var outcomes = tally.ExpectNew
                ? await recordStore.UpsertManyExpectingNewAsync(clinicId, records, stop.Token).ConfigureAwait(false)
                : await recordStore.UpsertManyAsync(clinicId, records, stop.Token).ConfigureAwait(false);
            tally.Count(rows.Select((r, i) => (Listed(clinicId, r), outcomes[i], (MovedRow?)null)));
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            slots.Release();
        }
    }

    private static ImportedRow Listed(string clinicId, (CredentialRecord Record, int Row) r) =>
        new(r.Row, r.Record.EmployeeId, clinicId, r.Record.CredentialCode);

    /// <summary>Clinics written at once by one import.</summary>
    public const int WriteConcurrency = 4;

    /// <summary>Equal for import purposes: the source of a row does not make it a change.</summary>
    private static bool SameRecord(CredentialRecord a, CredentialRecord b) => a with { Source = b.Source, Verified = b.Verified } == b;

    private Task AuditAsync(string action, ImportRequest request, string importId, Tally tally, CancellationToken cancellationToken) =>
        AppendAuditAsync(action, request, importId, tally, tally.RejectedTotal == 0 ? "ok" : "partial", string.Empty, cancellationToken);

    /// <summary>
    /// Chunks written before the failure stay written, so the audit says how many. Written without the
    /// request's token: a client that went away is one of the failures this records.
    /// </summary>
    private Task AuditFailureAsync(string action, ImportRequest request, string importId, Tally tally, Exception failure) =>
        AppendAuditAsync(action, request, importId, tally, "failed", " error=" + failure.GetType().Name, CancellationToken.None);

    /// <summary>The action of the record written when an import starts: the import's action with <c>.started</c>.</summary>
    public const string StartedSuffix = ".started";

    /// <summary>The import actions whose start and finish are recorded.</summary>
    private static readonly string[] ImportActions = ["import.roster", "import.records"];

    /// <summary>A short random id that ties an import's start record to its finish record.</summary>
    private static string NewImportId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The start record, under <see cref="AuditRecord.Organization"/> (the clinics are not known yet): who, which kind
    /// of file, and its import id; the row count is not known until the file has been read.
    /// </summary>
    private async Task AuditStartAsync(string action, ImportRequest request, string importId, CancellationToken cancellationToken)
    {
        if (request.DryRun) return;
        var kind = action[(action.LastIndexOf('.') + 1)..];
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), request.Actor, action + StartedSuffix, AuditRecord.Organization, "file", "started", $"import={importId} kind={kind} rows=unknown"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long an import may run before one without a finish record counts as unfinished.</summary>
    public static readonly TimeSpan UnfinishedAfter = TimeSpan.FromMinutes(1);

    /// <summary>How far back <see cref="ListUnfinishedAsync"/> looks for imports that never finished.</summary>
    public static readonly TimeSpan UnfinishedLookback = TimeSpan.FromDays(30);

    /// <summary>
    /// Imports of the last <see cref="UnfinishedLookback"/> that started more than <see cref="UnfinishedAfter"/> ago and
    /// have no finish record (ok, partial or failed): the process running them was stopped part-way, so some of their
    /// rows may be stored and others not. Newest first. Uploading the same file again completes it.
    /// </summary>
    public async Task<IReadOnlyList<UnfinishedImport>> ListUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var records = await audit.ListActionsAsync([.. ImportActions, .. ImportActions.Select(a => a + StartedSuffix)], now - UnfinishedLookback, now.AddTicks(1), cancellationToken).ConfigureAwait(false);
        var finished = records.Where(r => !r.Action.EndsWith(StartedSuffix, StringComparison.Ordinal)).Select(r => ImportIdOf(r.Detail)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return records
            .Where(r => r.Action.EndsWith(StartedSuffix, StringComparison.Ordinal) && r.At <= now - UnfinishedAfter)
            .Select(r => (Record: r, Id: ImportIdOf(r.Detail)))
            .Where(r => r.Id is not null && !finished.Contains(r.Id))
            .OrderByDescending(r => r.Record.At)
            .Select(r => new UnfinishedImport(r.Id!, r.Record.At, r.Record.Actor, r.Record.Action[(r.Record.Action.IndexOf('.', StringComparison.Ordinal) + 1)..^StartedSuffix.Length]))
            .ToList();
    }

    /// <summary>The <c>import=</c> value of an audit detail, or null.</summary>
    private static string? ImportIdOf(string? detail)
    {
        if (detail is null || !detail.StartsWith("import=", StringComparison.Ordinal)) return null;
        var end = detail.IndexOf(' ', StringComparison.Ordinal);
        return end < 0 ? detail["import=".Length..] : detail["import=".Length..end];
    }

    /// <summary>
    /// Exactly one record per import: under the clinic it touched, or under <see cref="AuditRecord.Organization"/>
    /// when it touched several (or none), with those clinics named in the detail.
    /// </summary>
    private async Task AppendAuditAsync(string action, ImportRequest request, string importId, Tally tally, string outcome, string suffix, CancellationToken cancellationToken)
    {
        if (request.DryRun) return;
        var touched = tally.Clinics.Order(StringComparer.Ordinal).ToList();
        var clinicId = touched.Count == 1 ? touched[0] : AuditRecord.Organization;
        var detail = string.Create(CultureInfo.InvariantCulture, $"import={importId} rows={tally.Total} created={tally.Created} updated={tally.Updated} unchanged={tally.Unchanged} rejected={tally.RejectedTotal}{suffix}");
        if (touched.Count > 1) detail += " " + ClinicList(touched);
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), request.Actor, action, clinicId, "file", outcome, detail), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Longest clinic list written into one audit record (a stored string holds 32,768 characters).</summary>
    internal const int MaxAuditClinicListLength = 16_000;

    /// <summary><c>clinics=3: a,b,c</c>; a list too long for the record ends in <c>…(+N more)</c>.</summary>
    internal static string ClinicList(IReadOnlyList<string> clinicIds)
    {
        var list = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"clinics={clinicIds.Count}:"));
        for (var i = 0; i < clinicIds.Count; i++)
        {
            if (list.Length + clinicIds[i].Length + 1 > MaxAuditClinicListLength)
            {
                list.Append(CultureInfo.InvariantCulture, $"…(+{clinicIds.Count - i} more)");
                break;
            }

            list.Append(i == 0 ? " " : ",").Append(clinicIds[i]);
        }

        return list.ToString();
    }

    private static T? Fail<T>(RawRow row, string field, string reason, out RowError? error)
        where T : class
    {
        error = new RowError(row.Row, field, reason);
        return null;
    }

    private static StaffMember? Fail(RawRow row, string field, string reason, out RowError? error) => Fail<StaffMember>(row, field, reason, out error);

    private static bool TryParseBool(string text, out bool value)
    {
        switch (text.Trim().ToUpperInvariant())
        {
            case "TRUE" or "YES" or "Y" or "1":
                value = true;
                return true;
            case "FALSE" or "NO" or "N" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex StatePattern();

    /// <summary>A column an import cannot do without, the header names it may go by, and how to name it in an error.</summary>
    private sealed record RequiredColumn(string Field, IReadOnlyList<string> AnyOf, string Described);

    /// <summary>
    /// Reports each column that is not an import column once, with the first row it appeared on: a CSV's
    /// header (row 1) names its columns even for a row that could not be read; each JSON object names its own.
    /// Checks once that a CSV header names every required column.
    /// </summary>
    private sealed class ColumnCheck(IReadOnlyList<string> columns, IReadOnlyDictionary<string, string>? aliases, IReadOnlyList<RequiredColumn> required, string requiredText)
    {
        private const int HeaderRow = 1;
        private readonly HashSet<string> _known = new(columns.Concat(aliases?.Keys ?? []), StringComparer.Ordinal);
        private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
        private bool _headerChecked;
        private int _headerNamesChecked;

        /// <summary>
        /// Passes each unknown column to <paramref name="warn"/> once; returns one error per required column the
        /// CSV header lacks (only for the first row). A CSV header's list only grows, so only its new names are
        /// looked at: the work is linear in the columns, not columns times rows.
        /// </summary>
        public List<RowError>? Check(RawRow raw, Action<RowError> warn)
        {
            if (raw.HeaderColumns is { } header)
            {
                if (header.Count < _headerNamesChecked) _headerNamesChecked = 0;
                for (var i = _headerNamesChecked; i < header.Count; i++) Report(header[i], HeaderRow);
                _headerNamesChecked = header.Count;
            }
            else
            {
                foreach (var name in raw.Fields.Keys) Report(name, raw.Row);
            }

            void Report(string name, int row)
            {
                if (!_known.Contains(name) && _reported.Add(name))
                {
                    warn(new RowError(row, name, "unknown column; its values were ignored"));
                }
            }

            if (_headerChecked || raw.HeaderColumns is not { } named) return null;
            _headerChecked = true;
            var present = new HashSet<string>(named, StringComparer.Ordinal);
            return required
                .Where(c => !c.AnyOf.Any(present.Contains))
                .Select(c => new RowError(HeaderRow, c.Field, $"the header has no {c.Described}; {requiredText}. Nothing was imported: add the column and upload the file again."))
                .ToList();
        }
    }

    /// <summary>
    /// The counts of one import. The read loop alone keeps the row counts (total, rejected, warnings); the
    /// writes of the chunks in flight keep the write counts (created, updated, unchanged, clinics) under a
    /// lock. The totals are read after the last write has settled.
    /// </summary>
    private sealed class Tally(bool dryRun)
    {
        private readonly Lock _writes = new();
        private volatile bool _expectNew = true;

        public bool DryRun { get; } = dryRun;

        /// <summary>True until a write meets a row that was stored already.</summary>
        public bool ExpectNew => _expectNew;

        public int Total { get; set; }

        public int Created { get; private set; }

        public int Updated { get; private set; }

        public int Unchanged { get; private set; }

        private List<RowError> Rejected { get; } = [];

        public int RejectedCount { get; private set; }

        public void Reject(RowError error)
        {
            RejectedCount++;
            if (Rejected.Count < ImportResult.MaxReportedErrors) Rejected.Add(error);
        }

        /// <summary>An error of the header: listed, but not a row.</summary>
        public void RejectHeader(RowError error) => Rejected.Add(error);

        /// <summary>A row rejected because of the header: counted, its error already listed.</summary>
        public void RejectUnlisted() => RejectedCount++;

        private List<RowError> Conflicts { get; } = [];

        private int ConflictCount { get; set; }

        /// <summary>A valid row that lost a race for its person to another write (called by the writes, under the lock).</summary>
        public void Conflict(RowError error)
        {
            lock (_writes)
            {
                ConflictCount++;
                if (Conflicts.Count < ImportResult.MaxReportedErrors) Conflicts.Add(error);
            }
        }

        /// <summary>Rows rejected by validation and rows that lost a race, once every write has settled.</summary>
        public int RejectedTotal
        {
            get
            {
                lock (_writes) return RejectedCount + ConflictCount;
            }
        }

        private FirstRows<ImportedRow> CreatedRows { get; } = new(r => r.Row);

        private FirstRows<ImportedRow> UpdatedRows { get; } = new(r => r.Row);

        private FirstRows<MovedRow> MovedRows { get; } = new(r => r.Row);

        private List<RowError> Warnings { get; } = [];

        private int WarningCount { get; set; }

        /// <summary>Counts a warning; lists the first <see cref="ImportResult.MaxReportedErrors"/>, as with rejected rows.</summary>
        public void Warn(RowError warning)
        {
            WarningCount++;
            if (Warnings.Count < ImportResult.MaxReportedErrors) Warnings.Add(warning);
        }

        private HashSet<string> TouchedClinics { get; } = new(StringComparer.Ordinal);

        public IReadOnlyCollection<string> Clinics
        {
            get
            {
                lock (_writes) return TouchedClinics.ToList();
            }
        }

        public void AddClinic(string clinicId)
        {
            lock (_writes) TouchedClinics.Add(clinicId);
        }

        /// <summary>Counts what the rows did, and lists the ones that created, changed or moved something.</summary>
        public void Count(IEnumerable<(ImportedRow Row, WriteOutcome Outcome, MovedRow? Move)> written)
        {
            lock (_writes)
            {
                foreach (var (row, outcome, move) in written)
                {
                    switch (outcome)
                    {
                        case WriteOutcome.Created:
                            Created++;
                            CreatedRows.Add(row);
                            break;
                        case WriteOutcome.Updated:
                            Updated++;
                            UpdatedRows.Add(row);
                            break;
                        default: Unchanged++; break;
                    }

                    if (move is not null) MovedRows.Add(move);

                    if (outcome != WriteOutcome.Created) _expectNew = false;
                }
            }
        }

        public ImportResult ToResult()
        {
            lock (_writes)
            {
                var rejected = Conflicts.Count == 0
                    ? Rejected.OrderBy(r => r.Row).ToList()
                    : Rejected.Concat(Conflicts).OrderBy(r => r.Row).Take(ImportResult.MaxReportedErrors).ToList();
                return new(Created + Updated + Unchanged, Created, Updated, Unchanged, rejected, RejectedCount + ConflictCount, Warnings, DryRun)
                {
                    ConflictCount = ConflictCount,
                    CreatedRows = CreatedRows.ToList(),
                    UpdatedRows = UpdatedRows.ToList(),
                    MovedRows = MovedRows.ToList(),
                    MovedCount = MovedRows.Count,
                    WarningCount = WarningCount,
                };
            }
        }
    }

    /// <summary>
    /// The <see cref="ImportResult.MaxListedRows"/> lowest-numbered rows of those added, in any order, with
    /// memory bounded by twice that (chunks of different clinics finish in any order).
    /// </summary>
    private sealed class FirstRows<TRow>(Func<TRow, int> rowOf)
    {
        private readonly List<TRow> _rows = [];

        /// <summary>How many rows were added in all.</summary>
        public int Count { get; private set; }

        public void Add(TRow row)
        {
            Count++;
            _rows.Add(row);
            if (_rows.Count >= 2 * ImportResult.MaxListedRows) Trim();
        }

        public List<TRow> ToList()
        {
            Trim();
            return [.. _rows];
        }

        private void Trim()
        {
            _rows.Sort((a, b) => rowOf(a).CompareTo(rowOf(b)));
            if (_rows.Count > ImportResult.MaxListedRows) _rows.RemoveRange(ImportResult.MaxListedRows, _rows.Count - ImportResult.MaxListedRows);
        }
    }
}
