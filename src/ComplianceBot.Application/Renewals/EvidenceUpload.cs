using ComplianceBot.Application.Ports;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Application.Renewals;

/// <summary>How storing a certificate file went.</summary>
public enum EvidenceUploadFailure
{
    None,

    /// <summary>The bytes are not a JPEG, PNG or PDF.</summary>
    UnsupportedFile,

    /// <summary>More than <see cref="RenewalOptions.MaxFileBytes"/>; what was sent is removed.</summary>
    TooLarge,
}

public sealed record EvidenceUploadResult(EvidenceUploadFailure Failure, string? Blob = null, string? ContentType = null, long Length = 0);

/// <summary>
/// Stores one certificate file, the one way staff and HR uploads share: the type decided from the first bytes, the
/// rest streamed to the evidence store under a size limit. What an upload that did not complete started is removed,
/// and the caller's <c>onIncomplete</c> records it.
/// </summary>
public sealed class EvidenceUpload(IEvidenceStore evidence, IOptions<RenewalOptions> options)
{
    public long MaxFileBytes => options.Value.MaxFileBytes;

    /// <param name="name">The file's name without extension (the extension follows from its type).</param>
    public async Task<EvidenceUploadResult> StoreAsync(string name, Stream file, Func<string, bool, Task> onIncomplete, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(onIncomplete);
        var head = new byte[EvidenceType.SniffLength];
        var headLength = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var contentType = EvidenceType.Sniff(head.AsSpan(0, headLength));
        if (contentType is null) return new EvidenceUploadResult(EvidenceUploadFailure.UnsupportedFile);

        var blob = name + EvidenceType.Extension(contentType);
        try
        {
            using var limited = new LimitedStream(new PrefixedStream(head.AsMemory(0, headLength), file), MaxFileBytes);
            var length = await evidence.UploadAsync(blob, limited, contentType, cancellationToken).ConfigureAwait(false);
            return new EvidenceUploadResult(EvidenceUploadFailure.None, blob, contentType, length);
        }
        catch (FileTooLargeException)
        {
            await evidence.DeleteIncompleteAsync(blob, CancellationToken.None).ConfigureAwait(false);
            return new EvidenceUploadResult(EvidenceUploadFailure.TooLarge);
        }
        catch (Exception)
        {
            var removed = await evidence.DeleteIncompleteAsync(blob, CancellationToken.None).ConfigureAwait(false);
            await onIncomplete(blob, removed).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes a stored file whose record could not be written after it (so no file is left that nothing names).</summary>
    public Task<bool> RemoveOrphanAsync(string blob) => evidence.DeleteIncompleteAsync(blob, CancellationToken.None);

    public string TooLargeReason => $"is larger than {MaxFileBytes / (1024 * 1024)} MB; send a smaller photo or PDF.";

    public static string UnsupportedReason => $"is not {EvidenceType.Accepted}: its content is another kind of file, whatever its name says.";
}
