using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Storage.Repositories;

/// <summary>
/// Certificate files in one blob container. Uploads go up in 1 MiB blocks, one at a time, committed only at the
/// end: the app holds about one block of a file in memory whatever its size, and an upload cut off part-way
/// leaves no blob (only uncommitted blocks, which the service discards after a week).
/// </summary>
public sealed class BlobEvidenceStore(BlobContainerClient container) : IEvidenceStore, IDisposable
{
    private const int BlockBytes = 1024 * 1024;

    // Created on first use, once per process; a failed attempt is retried by the next call.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _created;

    public async Task<long> UploadAsync(string name, Stream content, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var counting = new CountingStream(content);
        await container.GetBlobClient(name).UploadAsync(
            counting,
            new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },

                // Never overwrite: a file, once stored, is the evidence of its record.
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                TransferOptions = new StorageTransferOptions { InitialTransferSize = BlockBytes, MaximumTransferSize = BlockBytes, MaximumConcurrency = 1 },
            },
            cancellationToken).ConfigureAwait(false);
        return counting.BytesRead;
    }

    public async Task<EvidenceFile?> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var details = result.Value.Details;
            return new EvidenceFile(result.Value.Content, details.ContentType, details.ContentLength);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> DeleteIncompleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return deleted.Value;
    }

    public void Dispose() => _gate.Dispose();

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_created) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_created) return;
            await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken).ConfigureAwait(false);
            _created = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Counts what the upload read, so the stored length is known without a second request.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            BytesRead += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
