namespace ComplianceBot.Application.Ports;

/// <summary>A certificate file as stored.</summary>
public sealed record EvidenceFile(Stream Content, string ContentType, long Length);

/// <summary>
/// Certificate files (photos and PDFs), written once and never deleted when a record is replaced: the history of
/// a credential keeps its files. The only deletion is of a file whose upload did not complete.
/// </summary>
public interface IEvidenceStore
{
    /// <summary>Streams <paramref name="content"/> to a new file (nothing is buffered whole); returns its length.</summary>
    Task<long> UploadAsync(string name, Stream content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>Opens a file for reading, or null when there is none.</summary>
    Task<EvidenceFile?> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Removes what an upload that did not complete left; true when there was something to remove.</summary>
    Task<bool> DeleteIncompleteAsync(string name, CancellationToken cancellationToken = default);
}
