namespace ComplianceBot.Application.Import;

/// <summary>
/// One row of an uploaded file, before validation. Column names are normalized (lower case,
/// trimmed, spaces and hyphens as underscores). <see cref="Row"/> counts as a spreadsheet does:
/// the CSV header is row 1, so the first data row is row 2; in JSON, the first element is row 1.
/// </summary>
/// <param name="StructuralError">Set when the row could not be read at all (e.g. wrong column count).</param>
/// <param name="HeaderColumns">
/// The normalized columns a CSV header names (null for JSON, whose objects name their own), so that an
/// unknown column is reported even when the row itself could not be read. The rows of one file share one
/// list, which only grows (a column without a header is added once it holds a value).
/// </param>
public sealed record RawRow(int Row, IReadOnlyDictionary<string, string?> Fields, RowError? StructuralError = null, IReadOnlyList<string>? HeaderColumns = null);

/// <summary>Why one row (or, with row 1 of a CSV, one column) was not accepted.</summary>
public sealed record RowError(int Row, string Field, string Reason);

/// <summary>
/// One accepted row that created or changed something: the person (and, for a training record, the
/// credential), the clinic they belong to, and the row of the file it came from.
/// </summary>
public sealed record ImportedRow(int Row, string EmployeeId, string ClinicId, string? Credential = null);

/// <summary>One roster row that put a person into another clinic (their training records went with them).</summary>
public sealed record MovedRow(int Row, string EmployeeId, string FromClinicId, string ToClinicId);

/// <summary>What an import did, or with <see cref="DryRun"/> would do.</summary>
/// <param name="Rejected">The rejected rows in file order, at most <see cref="MaxReportedErrors"/> of them.</param>
/// <param name="RejectedCount">How many rows were rejected in all.</param>
/// <param name="Warnings">Problems that rejected nothing, e.g. an unknown column that was ignored: the first <see cref="MaxReportedErrors"/>, with <see cref="WarningCount"/> counting them all.</param>
public sealed record ImportResult(
    int Accepted,
    int Created,
    int Updated,
    int Unchanged,
    IReadOnlyList<RowError> Rejected,
    int RejectedCount,
    IReadOnlyList<RowError> Warnings,
    bool DryRun)
{
    /// <summary>
    /// Rows listed in a response. A file of a million bad rows must not cost a million error objects;
    /// past the first thousand, fixing the file and uploading again is the way forward.
    /// </summary>
    public const int MaxReportedErrors = 1000;

    /// <summary>Rows listed in each of <see cref="CreatedRows"/>, <see cref="UpdatedRows"/> and <see cref="MovedRows"/> (the counts are complete).</summary>
    public const int MaxListedRows = 1000;

    /// <summary>
    /// Required columns the CSV header does not name. When there are any, nothing was imported: every row
    /// counts as rejected and <see cref="Rejected"/> holds one error per missing column (row 1, the header).
    /// </summary>
    public IReadOnlyList<string> MissingColumns { get; init; } = [];

    /// <summary>The first <see cref="MaxListedRows"/> rows that created a person or record, in file order; <see cref="Created"/> counts them all.</summary>
    public IReadOnlyList<ImportedRow> CreatedRows { get; init; } = [];

    /// <summary>The first <see cref="MaxListedRows"/> rows that changed a person or record, moves included, in file order; <see cref="Updated"/> counts them all.</summary>
    public IReadOnlyList<ImportedRow> UpdatedRows { get; init; } = [];

    /// <summary>The first <see cref="MaxListedRows"/> roster rows that moved a person to another clinic, in file order.</summary>
    public IReadOnlyList<MovedRow> MovedRows { get; init; } = [];

    /// <summary>How many warnings there were in all (<see cref="Warnings"/> lists the first <see cref="MaxReportedErrors"/>).</summary>
    public int WarningCount { get; init; }

    /// <summary>How many people the roster moved to another clinic (each is counted in <see cref="Updated"/> too).</summary>
    public int MovedCount { get; init; }

    /// <summary>
    /// Valid roster rows not imported because another upload put the same person into another clinic at the same
    /// moment (each is listed in <see cref="Rejected"/> with the reason and counted in <see cref="RejectedCount"/>).
    /// </summary>
    public int ConflictCount { get; init; }

    /// <summary>The id of this import in the audit log (its start and finish records); null for a dry run.</summary>
    public string? ImportId { get; init; }

    /// <summary>Nothing could be imported: every row was rejected, or the header lacks a required column.</summary>
    public bool AllRejected => (Accepted == 0 && RejectedCount > 0) || MissingColumns.Count > 0;
}

/// <summary>An import that started and never recorded its end: the process running it was stopped part-way.</summary>
/// <param name="Kind"><c>roster</c> or <c>records</c>.</param>
public sealed record UnfinishedImport(string ImportId, DateTimeOffset StartedAt, string Actor, string Kind);

/// <summary>The file had no usable header or body at all; answered as 400, not as row errors.</summary>
public sealed class UnreadableImportException(string message) : Exception(message);
