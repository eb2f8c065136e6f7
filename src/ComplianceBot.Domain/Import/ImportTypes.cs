namespace ComplianceBot.Domain.Import;

/// <summary>
/// One row of an uploaded file, before validation. Column names are normalized (lower case,
/// trimmed, spaces and hyphens as underscores). <see cref="Row"/> counts as a spreadsheet does:
/// the CSV header is row 1, so the first data row is row 2; in JSON, the first element is row 1.
/// </summary>
/// <param name="StructuralError">Set when the row could not be read at all (e.g. wrong column count).</param>
public sealed record RawRow(int Row, IReadOnlyDictionary<string, string?> Fields, RowError? StructuralError = null);

/// <summary>Why one row (or, with row 1 of a CSV, one column) was not accepted.</summary>
public sealed record RowError(int Row, string Field, string Reason);

/// <summary>What an import did, or with <see cref="DryRun"/> would do.</summary>
/// <param name="Warnings">Problems that rejected nothing, e.g. an unknown column that was ignored.</param>
/// <param name="RejectedCount">Rows rejected in all; <see cref="Rejected"/> lists the first <see cref="ImportService.MaxReportedErrors"/>.</param>
public sealed record ImportResult(
    int Accepted,
    int Created,
    int Updated,
    int Unchanged,
    IReadOnlyList<RowError> Rejected,
    IReadOnlyList<RowError> Warnings,
    bool DryRun,
    int RejectedCount = 0)
{
    public bool AllRejected => Accepted == 0 && Math.Max(RejectedCount, Rejected.Count) > 0;
}

/// <summary>The file had no usable header or body at all; answered as 400, not as row errors.</summary>
public sealed class UnreadableImportException(string message) : Exception(message);
