namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// Reads a request body to its end into a temporary file, so that a body of unknown length is known to
/// be within its cap before any of it is parsed or written, while memory stays flat however large it is.
/// </summary>
internal static class RequestBodySpool
{
    private const int BufferSize = 81920;

    /// <summary>
    /// Copies <paramref name="body"/> to a new file in <paramref name="directory"/> and returns it positioned
    /// at the start; the file is deleted when the stream is disposed. Whatever <paramref name="body"/> throws
    /// while being read (the cap of <see cref="ImportFunctions.Capped"/>, a client that went away) is thrown as is,
    /// and the file is deleted first.
    /// </summary>
    public static async Task<FileStream> SpoolAsync(Stream body, string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, $"compliancebot-import-{Guid.NewGuid():N}.tmp");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await body.CopyToAsync(file, BufferSize, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
