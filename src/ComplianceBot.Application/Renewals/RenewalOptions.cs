namespace ComplianceBot.Application.Renewals;

/// <summary>
/// Self-service renewal: the personal link in every reminder, its signing keys and lifetime, and how long a
/// submission waiting for verification pauses that item's reminders. Config section <c>Renewal</c>.
/// Without a signing key the feature is off: reminders carry no link and the renewal page says so.
/// </summary>
public sealed class RenewalOptions
{
    public const string SectionName = "Renewal";

    /// <summary>Shortest signing key accepted, in bytes of its UTF-8 text (HMAC-SHA256 wants at least its own 32).</summary>
    public const int MinKeyLength = 32;

    /// <summary>
    /// <c>Renewal:SigningKey</c>: the key new links are signed with (32+ characters; a Key Vault reference in
    /// Azure). Never logged.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// <c>Renewal:PreviousSigningKey</c>: the key before the last rotation. Links it signed are still accepted
    /// until they expire; new links use <see cref="SigningKey"/>. Clear it one link lifetime after rotating.
    /// </summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary><c>Renewal:LinkLifetime</c>: how long a link works after its email was composed (default 14 days).</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// <c>Renewal:PublicBaseUrl</c>: the app's address as staff reach it, e.g. <c>https://app.azurewebsites.net</c>;
    /// the link is this plus <c>/api/renew/</c>. Required with a signing key.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// <c>Renewal:PendingPause</c>: while a submission waits for verification, that item's personal reminders
    /// pause for at most this long after it was submitted (default 14 days; 0 turns pausing off).
    /// </summary>
    public TimeSpan PendingPause { get; set; } = TimeSpan.FromDays(14);

    /// <summary><c>Renewal:MaxFileBytes</c>: largest certificate file accepted (default 10 MB, 10485760 bytes).</summary>
    public long MaxFileBytes { get; set; } = 10L * 1024 * 1024;

    public bool Enabled => !string.IsNullOrEmpty(SigningKey);

    /// <summary>The message for settings that cannot be used, or null.</summary>
    public string? Validate()
    {
        if (SigningKey is { } key && key.Length < MinKeyLength) return $"Renewal:SigningKey must be at least {MinKeyLength} characters.";
        if (PreviousSigningKey is { Length: > 0 } previous)
        {
            if (!Enabled) return "Renewal:PreviousSigningKey is set without Renewal:SigningKey: set the current key too.";
            if (previous.Length < MinKeyLength) return $"Renewal:PreviousSigningKey must be at least {MinKeyLength} characters.";
        }

        if (Enabled && !(Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.IsLoopback)))
        {
            return "Renewal:PublicBaseUrl must be the app's absolute https address (http only on loopback) when Renewal:SigningKey is set.";
        }

        if (LinkLifetime <= TimeSpan.Zero || LinkLifetime > TimeSpan.FromDays(90)) return "Renewal:LinkLifetime must be between 1 second and 90 days.";
        if (PendingPause < TimeSpan.Zero || PendingPause > TimeSpan.FromDays(60)) return "Renewal:PendingPause must be between 0 and 60 days.";
        if (MaxFileBytes is <= 0 or > 50L * 1024 * 1024) return "Renewal:MaxFileBytes must be between 1 byte and 50 MB.";
        return null;
    }
}
