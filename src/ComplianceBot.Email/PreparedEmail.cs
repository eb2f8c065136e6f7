using ComplianceBot.Domain.Model;
using System.Text.RegularExpressions;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Email;

/// <summary>
/// An <see cref="OutgoingEmail"/> after the checks both senders share: valid addresses, header values
/// without control characters, an opaque operation id, SendGrid's limits. Both senders build from it,
/// so what works with the local outbox works with SendGrid.
/// </summary>
internal sealed partial record PreparedEmail(
    string OperationId,
    EmailAddress From,
    IReadOnlyList<EmailAddress> To,
    EmailAddress? ReplyTo,
    string Subject,
    string Category,
    string TextBody,
    string HtmlBody,
    IReadOnlyList<EmailAttachment> Attachments)
{
    /// <summary>SendGrid's limit on recipients (to + cc + bcc) per request.</summary>
    public const int MaxRecipients = 1000;

    /// <summary>SendGrid's limit on the length of one category.</summary>
    public const int MaxCategoryLength = 255;

    /// <summary>
    /// Most attachment bytes per email. SendGrid refuses messages of 30 MB or more, and base64 makes
    /// attachments a third larger: 20 MiB leaves room for the bodies.
    /// </summary>
    public const int MaxAttachmentBytes = 20 * 1024 * 1024;

    /// <summary>Checks and cleans <paramref name="email"/>, or says why it cannot be sent.</summary>
    public static (PreparedEmail? Email, string? Problem) Prepare(OutgoingEmail email, EmailOptions options)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(options);
        if (!PlainEmailAddress.IsValid(options.FromAddress)) return (null, "Email:FromAddress is not a valid address.");
        if (!IsOpaqueId(email.OperationId)) return (null, "the operation id must be 1-100 characters of [A-Za-z0-9._:|-].");

        var to = new List<EmailAddress>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in email.To)
        {
            var address = recipient.Address.Trim();
            if (!PlainEmailAddress.IsValid(address)) return (null, "a recipient address is not valid.");
            if (seen.Add(address)) to.Add(new EmailAddress(address, EmailSafety.CleanDisplayName(recipient.Name)));
        }

        if (to.Count == 0) return (null, "the email has no recipients.");
        if (to.Count > MaxRecipients) return (null, $"at most {MaxRecipients} recipients per email, not {to.Count}.");

        EmailAddress? replyTo = null;
        if (email.ReplyTo is { } reply)
        {
            var address = reply.Address.Trim();
            if (!PlainEmailAddress.IsValid(address)) return (null, "the reply-to address is not valid.");
            replyTo = new EmailAddress(address, EmailSafety.CleanDisplayName(reply.Name));
        }

        long attachmentBytes = 0;
        foreach (var attachment in email.Attachments)
        {
            if (!AttachmentFileName().IsMatch(attachment.FileName)) return (null, "an attachment file name must be 1-100 characters of [A-Za-z0-9 ._()-], starting with a letter or digit.");
            if (!AttachmentContentType().IsMatch(attachment.ContentType)) return (null, "an attachment content type must be a media type such as text/calendar.");
            attachmentBytes += attachment.Content.Length;
        }

        if (attachmentBytes > MaxAttachmentBytes) return (null, $"attachments may total at most {MaxAttachmentBytes} bytes, not {attachmentBytes}.");

        var subject = EmailSafety.StripControlCharacters(email.Subject);
        var category = EmailSafety.StripControlCharacters(email.Category);
        return (new PreparedEmail(
            email.OperationId,
            new EmailAddress(options.FromAddress, EmailSafety.CleanDisplayName(options.FromName)),
            to,
            replyTo,
            subject.Length == 0 ? "(no subject)" : subject,
            category.Length > MaxCategoryLength ? category[..MaxCategoryLength] : category,
            email.TextBody,
            email.HtmlBody,
            email.Attachments), null);
    }

    /// <summary>True for 1-100 characters of <c>[A-Za-z0-9._:|-]</c>: safe in custom_args, headers and file names.</summary>
    internal static bool IsOpaqueId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '|' or '-');

    // Plain ASCII, so the name needs no encoding in a MIME header and cannot break out of its quotes.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,99}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AttachmentFileName();

    // type/subtype (RFC 2045 tokens) with optional token=token parameters, e.g. "text/calendar; method=PUBLISH".
    [GeneratedRegex(
        @"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}(; ?[A-Za-z0-9!#$&^_.+-]{1,64}=[A-Za-z0-9!#$&^_.+-]{1,64}){0,4}$",
        RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 1000)]
    private static partial Regex AttachmentContentType();
}
