namespace ComplianceBot.Storage.Client;

/// <summary>
/// The one exception the Table Storage client throws for a failed service call (like
/// Azure.RequestFailedException): the HTTP status, the service's error code and, for a
/// transaction, the index of the operation that failed.
/// </summary>
public sealed class TableStorageException : Exception
{
    public TableStorageException()
    {
    }

    public TableStorageException(string message)
        : base(message)
    {
    }

    public TableStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TableStorageException(int status, string? errorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    public TableStorageException(int status, string? errorCode, string message, int? failedOperationIndex = null)
        : base(message)
    {
        Status = status;
        ErrorCode = errorCode;
        FailedOperationIndex = failedOperationIndex;
    }

    /// <summary>HTTP status returned by the service (e.g. 404, 409, 412); 0 when no answer arrived (transport error or timeout).</summary>
    public int Status { get; }

    /// <summary>The service's error code, e.g. <c>EntityAlreadyExists</c>, when it sent one.</summary>
    public string? ErrorCode { get; }

    /// <summary>For <c>SubmitTransactionAsync</c>: zero-based index of the operation that failed.</summary>
    public int? FailedOperationIndex { get; }
}
