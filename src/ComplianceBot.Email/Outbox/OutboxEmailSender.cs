using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceBot.Application.Ports;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.Outbox;

/// <summary>
/// The local <see cref="IEmailSender"/> used when no SendGrid key is configured: each message becomes a
/// standards-conforming <c>.eml</c> file (open it in any mail client) in <see cref="EmailOptions.OutboxPath"/>,
/// and one JSON line in that folder's <c>index.jsonl</c>.
/// </summary>
public sealed class OutboxEmailSender : IEmailSender, IDisposable
{
    /// <summary>Name of the index file in the outbox folder.</summary>
    public const string IndexFileName = "index.jsonl";

    private static readonly UTF8Encoding NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static readonly JsonSerializerOptions IndexJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly EmailOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _indexLock = new(1, 1);

    public OutboxEmailSender(IOptions<EmailOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = timeProvider;
        Folder = Path.GetFullPath(_options.OutboxPath);
    }

    /// <summary>Absolute path of the outbox folder.</summary>
    public string Folder { get; }

    /// <summary>Writes the message and its index line; returns Accepted with the Message-ID (without angle brackets).</summary>
    public async Task<SendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(email);

        // Same checks as the SendGrid path, so what works locally works in production.
        var (message, problem) = PreparedEmail.Prepare(email, _options);
        if (message is null) return new SendResult(SendStatus.Rejected, null, problem);

        var to = message.To;
        var from = message.From;
        var now = _time.GetUtcNow();
        var unique = Guid.NewGuid().ToString("N");
        var domain = from.Address[(from.Address.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var messageId = $"{unique}@{domain}";
        var boundary = "=_ComplianceBot_" + unique;
        var eml = MimeMessageWriter.Write(email, from, to, now, messageId, boundary, message.Attachments);

        Directory.CreateDirectory(Folder);
        var fileName = $"{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{SafeFilePart(email.Category)}-{SafeFilePart(email.OperationId)}-{unique[..12]}.eml";
        var path = Path.Combine(Folder, fileName);

        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(eml), cancellationToken).ConfigureAwait(false);
        }

        var entry = new IndexEntry(now, email.OperationId, to.Select(a => a.Address).ToList(), message.Subject, fileName, messageId, email.Category);
        var line = JsonSerializer.Serialize(entry, IndexJson) + "\n";
        await _indexLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // UTF-8 without a byte-order mark: every line of a JSON Lines file, the first too, must parse as JSON.
            await File.AppendAllTextAsync(Path.Combine(Folder, IndexFileName), line, NoBom, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _indexLock.Release();
        }

        return SendResult.Accepted(messageId);
    }

    public void Dispose() => _indexLock.Dispose();

    // File names keep only [A-Za-z0-9_-] and stay short; the GUID part makes them unique.
    private static string SafeFilePart(string value)
    {
        var builder = new StringBuilder();
        foreach (var c in value)
        {
            if (builder.Length == 40) break;
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return builder.Length == 0 ? "mail" : builder.ToString();
    }

    private sealed record IndexEntry(
        DateTimeOffset Time,
        string OperationId,
        IReadOnlyList<string> To,
        string Subject,
        string File,
        string MessageId,
        string Category);
}
