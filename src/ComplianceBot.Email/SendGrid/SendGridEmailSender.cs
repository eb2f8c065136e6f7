using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Ports;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Email.SendGrid;

/// <summary>
/// The production <see cref="IEmailSender"/>: one rendered email becomes one SendGrid request with one
/// personalization. Header values are cleaned here; the client checks addresses and limits again.
/// </summary>
public sealed class SendGridEmailSender : IEmailSender
{
    /// <summary>The only custom argument sent: an opaque operation id, echoed in webhook events.</summary>
    public const string OperationIdArgument = "operation_id";

    private readonly SendGridClient _client;
    private readonly EmailOptions _options;

    public SendGridEmailSender(SendGridClient client, IOptions<EmailOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
    }

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(email);
        var (message, problem) = ToMessage(email, _options);
        if (message is null) return new SendResult(SendStatus.Rejected, null, problem);

        var response = await _client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var status = response.Outcome switch
        {
            SendGridOutcome.Accepted => SendStatus.Accepted,
            SendGridOutcome.Rejected => SendStatus.Rejected,
            SendGridOutcome.NotSent => SendStatus.NotSent,
            _ => SendStatus.Unknown,
        };
        return new SendResult(status, response.MessageId, response.Detail);
    }

    /// <summary>Builds the request body, or says why the email cannot be sent.</summary>
    internal static (SendGridMessage? Message, string? Problem) ToMessage(OutgoingEmail email, EmailOptions options)
    {
        if (!PlainEmailAddress.IsValid(options.FromAddress)) return (null, "Email:FromAddress is not a valid address.");
        if (!IsOpaqueId(email.OperationId)) return (null, "the operation id must be 1-100 characters of [A-Za-z0-9._:|-].");

        var to = new List<SendGridAddress>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in email.To)
        {
            var address = recipient.Address.Trim();
            if (!PlainEmailAddress.IsValid(address)) return (null, "a recipient address is not valid.");
            if (seen.Add(address)) to.Add(new SendGridAddress(address, EmailSafety.CleanDisplayName(recipient.Name)));
        }

        if (to.Count == 0) return (null, "the email has no recipients.");
        if (to.Count > SendGridClient.MaxRecipients) return (null, $"at most {SendGridClient.MaxRecipients} recipients per email.");

        SendGridAddress? replyTo = null;
        if (email.ReplyTo is { } reply)
        {
            var address = reply.Address.Trim();
            if (!PlainEmailAddress.IsValid(address)) return (null, "the reply-to address is not valid.");
            replyTo = new SendGridAddress(address, EmailSafety.CleanDisplayName(reply.Name));
        }

        var subject = EmailSafety.StripControlCharacters(email.Subject);
        var category = EmailSafety.StripControlCharacters(email.Category);
        var message = new SendGridMessage
        {
            Personalizations =
            [
                new SendGridPersonalization
                {
                    To = to,
                    CustomArgs = new Dictionary<string, string> { [OperationIdArgument] = email.OperationId },
                },
            ],
            From = new SendGridAddress(options.FromAddress, EmailSafety.CleanDisplayName(options.FromName)),
            ReplyTo = replyTo,
            Subject = subject.Length == 0 ? "(no subject)" : subject,
            Content = [new SendGridContent("text/plain", email.TextBody), new SendGridContent("text/html", email.HtmlBody)],
            Categories = category.Length == 0 ? null : [category.Length > 255 ? category[..255] : category],
        };
        return (message, null);
    }

    internal static bool IsOpaqueId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '|' or '-');
}
