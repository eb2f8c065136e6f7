namespace ComplianceBot.Email;

/// <summary>
/// Sender identity and the local outbox, bound from the <c>Email</c> configuration section
/// (environment variables <c>Email__FromAddress</c>, <c>Email__FromName</c>, <c>Email__OutboxPath</c>).
/// </summary>
public sealed class EmailOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Email";

    /// <summary>
    /// Address every message comes from (<c>Email:FromAddress</c>), required. With SendGrid it must be a
    /// verified sender or belong to an authenticated domain; ASCII only.
    /// </summary>
    public string FromAddress { get; set; } = string.Empty;

    /// <summary>Display name of the sender (<c>Email:FromName</c>), default "ComplianceBot".</summary>
    public string FromName { get; set; } = "ComplianceBot";

    /// <summary>
    /// Folder the outbox sender writes <c>.eml</c> files and <c>index.jsonl</c> to when no SendGrid key is
    /// configured (<c>Email:OutboxPath</c>), default <c>./outbox</c>, relative to the working directory.
    /// </summary>
    public string OutboxPath { get; set; } = "outbox";
}
