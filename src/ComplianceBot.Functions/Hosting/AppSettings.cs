using ComplianceBot.Application;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Email;
using ComplianceBot.Email.Webhook;
using ComplianceBot.Functions.Endpoints;
using ComplianceBot.Functions.Security;
using ComplianceBot.Storage;

namespace ComplianceBot.Functions.Hosting;

/// <summary>One configuration key the app reads.</summary>
/// <param name="Key">The key with ':' separators (as an app setting or environment variable, ':' becomes '__').</param>
/// <param name="SetByDeployment">Whether infra/ sets it for the Azure deployment.</param>
/// <param name="Purpose">What it does, as the README documents it.</param>
public sealed record AppSetting(string Key, bool SetByDeployment, string Purpose)
{
    public string EnvironmentName => Key.Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>
/// Every configuration key the app reads, in one list. A test checks it against the options classes
/// (so a new option cannot be forgotten) and against the app settings in infra/ (so the deployment
/// sets exactly what the code reads).
/// </summary>
public static class AppSettings
{
    /// <summary>Settings the Functions host reads (not the app), which the deployment must set too.</summary>
    public static readonly IReadOnlyList<string> HostOnly =
        ["AzureWebJobsStorage__accountName", "APPLICATIONINSIGHTS_CONNECTION_STRING", "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME"];

    /// <summary>Options classes and the section each is bound from.</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> BoundOptions =
    [
        ("Storage", typeof(TableStorageOptions)),
        ("Storage", typeof(EvidenceStorageOptions)),
        ("SendGrid", typeof(Email.SendGrid.SendGridOptions)),
        ("SendGrid", typeof(SendGridWebhookOptions)),
        ("Email", typeof(EmailOptions)),
        ("Auth", typeof(AuthOptions)),
        ("Import", typeof(ImportOptions)),
        ("Reminders", typeof(ReminderSettings)),
        ("Catalog", typeof(CatalogOptions)),
        ("Renewal", typeof(Application.Renewals.RenewalOptions)),
    ];

    public static readonly IReadOnlyList<AppSetting> All =
    [
        new("Storage:AccountName", true, "Storage account of the app's tables; reached with the managed identity (production)."),
        new("Storage:TableEndpoint", false, "Table endpoint instead of an account name (sovereign clouds); managed identity."),
        new("Storage:ConnectionString", false, "Connection string with a key (Azurite: UseDevelopmentStorage=true). Local use only."),
        new("Storage:TablePrefix", false, "Prefix of every table name; lets several test runs share one account."),
        new("Storage:EvidenceContainer", true, "Blob container of the certificate files staff and HR upload (default evidence); created on first use. Files are never deleted when a record is replaced."),
        new("Storage:BlobEndpoint", false, "Blob endpoint instead of the one derived from the account name (sovereign clouds, or with Storage:TableEndpoint); managed identity."),
        new("Storage:MaxRetries", false, "Retries of a storage call on 408/429/5xx, transport errors and attempt timeouts (default 3)."),
        new("Storage:RetryDelay", false, "First retry delay, jittered and doubled per attempt (default 00:00:00.8)."),
        new("Storage:MaxRetryDelay", false, "Longest backoff between two attempts (default 00:00:30)."),
        new("Storage:AttemptTimeout", false, "Timeout of one storage attempt, answer included (default 00:00:10); a hung storage fails a call in under a minute."),
        new("Storage:RequestTimeout", false, "The most one API request waits on storage over all its calls and retries (default 00:00:30); then 503 \"try again\"."),
        new("Storage:ImportRequestTimeout", false, "The same limit for an import (default 00:03:20, under the 230 s Azure allows an HTTP request)."),
        new("SendGrid:ApiKey", true, "SendGrid API key (Mail Send). Unset: emails go to the outbox folder instead. In Azure a Key Vault reference."),
        new("SendGrid:BaseUrl", true, "SendGrid API base URL (default https://api.sendgrid.com; EU: https://api.eu.sendgrid.com)."),
        new("SendGrid:SandboxMode", true, "true: SendGrid validates but sends nothing (dry runs against the real service)."),
        new("SendGrid:MaxConcurrency", false, "Messages sent at once (default 8)."),
        new("SendGrid:MaxRateLimitWait", false, "Longest wait for X-RateLimit-Reset after a 429 (default 00:00:30)."),
        new("SendGrid:RequestTimeout", false, "Timeout of one mail/send POST; a timeout is an unknown outcome, never resent (default 00:00:30)."),
        new("SendGrid:WebhookPublicKey", true, "Verification key of SendGrid's signed event webhook (base64 DER). Unset: events are refused."),
        new("SendGrid:WebhookTimestampTolerance", false, "Oldest accepted webhook timestamp (default 00:05:00)."),
        new("Email:FromAddress", true, "Sender address (a SendGrid verified sender). Required by the app and by the CLI's `run` and `preview` (not by `import`, `report`, `retraining`, `catalog`)."),
        new("Email:FromName", true, "Sender display name (default ComplianceBot)."),
        new("Email:OutboxPath", false, "Folder for .eml files when no SendGrid key is set (default ./outbox)."),
        new("Auth:RequirePlatformAuth", true, "true in Azure: refuse to start unless App Service Authentication is on."),
        new("Auth:ApiKeys", false, "API keys for local use and integrations: Auth:ApiKeys:N:Name, :Key (32+ chars), :Role (HR or Manager), :Clinics."),
        new("Import:MaxBodyBytes", true, "Largest import body; larger ones get 413 and nothing is imported (default 10485760)."),
        new("Reminders:OverdueRepeatDays", false, "Days between repeats while an item is overdue (default 7)."),
        new("Reminders:MaxOverdueReminders", false, "Overdue repeats to the person before only managers are told (default 12)."),
        new("Reminders:MissingGraceDays", false, "Days after hire before a missing credential is escalated (default 30)."),
        new("Reminders:RecentlyRenewedDays", false, "Window of the digest's 'recently renewed' group (default 14)."),
        new("Reminders:DefaultThresholds", false, "Days-before thresholds for catalog entries without their own (default 90,60,30,14,7,1,0)."),
        new("Reminders:ClaimLease", false, "How long a run owns a claim before another may take it over (default 00:10:00)."),
        new("Reminders:MaxSendAttempts", false, "Attempts of a message the provider refused transiently, over all runs (default 3)."),
        new("Reminders:SendConcurrency", false, "Messages of one clinic sent at once (default 8)."),
        new("Reminders:ClinicConcurrency", false, "Clinics processed at once (default 4)."),
        new("Reminders:SendWindowHours", false, "Hours after the send hour in which an unfinished run is retried (default 8)."),
        new("Catalog:OverridesPath", false, "JSON file overriding catalog entries (thresholds, switching practice defaults off, extra types)."),
        new("Renewal:SigningKey", false, "Key (32+ characters) that signs the personal \"I've renewed\" link in every reminder (HMAC-SHA256). Unset: no link, self-service renewal is off. In Azure a Key Vault reference; never logged."),
        new("Renewal:PreviousSigningKey", false, "The signing key before the last rotation: links it signed keep working until they expire. Clear it one link lifetime after rotating."),
        new("Renewal:LinkLifetime", false, "How long a personal link works (default 14.00:00:00)."),
        new("Renewal:PublicBaseUrl", false, "The app's https address as staff reach it, e.g. https://<app>.azurewebsites.net; links point to <address>/api/renew/. Required with a signing key."),
        new("Renewal:PendingPause", false, "While a submission waits for verification, that item's personal reminders pause for at most this long (default 14.00:00:00; 0 turns it off)."),
        new("Renewal:MaxFileBytes", false, "Largest certificate file staff may upload (default 10485760, 10 MB); larger ones get 413 and nothing is stored."),
        new("DailyRemindersSchedule", true, "NCRONTAB schedule of the DailyReminders timer, six fields, UTC (infra and the local host: 0 5 * * * *, hourly at :05). Required by the Functions host."),
        new("WeeklyDigestSchedule", true, "NCRONTAB schedule of the WeeklyDigest timer, six fields, UTC (infra and the local host: 0 10 * * * *, hourly at :10). Required by the Functions host."),
        new("ClinicRunQueue", true, "Storage queue of the clinic runs the timers queue and the RunClinic function runs (infra and the local host: clinic-runs); runs that fail every attempt go to clinic-runs-poison. Lowercase letters, digits and hyphens, 3 to 56 characters. Required by the Functions host."),
        new("LocalHost:ProcessQueues", false, "Local host only: run the queued clinic runs as they arrive (default true; tests turn it off and drain the queue themselves)."),
        new("LocalHost:QueueMessageLease", false, "Local host only: how long a message being run stays invisible to other readers, renewed at half (default 00:10:00, as the Functions host)."),
        new("LocalHost:RunTimers", false, "Local host only: fire the timers on their schedules (default true; tests turn it off)."),
        new("WEBSITE_AUTH_ENABLED", false, "Set by App Service in the process environment when Authentication is on; only then is X-MS-CLIENT-PRINCIPAL trusted (read from the environment only; never by the local host)."),
    ];
}
