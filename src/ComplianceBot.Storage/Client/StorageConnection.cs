namespace ComplianceBot.Storage.Client;

/// <summary>
/// The parts of a storage connection string the table client needs
/// (https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string).
/// </summary>
internal sealed record StorageConnection(Uri TableEndpoint, string AccountName, byte[]? AccountKey)
{
    public const string DevelopmentAccount = "devstoreaccount1";

    public const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static StorageConnection Parse(string connectionString)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new FormatException("every segment must look like Name=Value.");
            parts[segment[..eq].Trim()] = segment[(eq + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && string.Equals(dev, "true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = parts.GetValueOrDefault("DevelopmentStorageProxyUri")?.TrimEnd('/') ?? "http://127.0.0.1";
            return new StorageConnection(new Uri($"{proxy}:10002/{DevelopmentAccount}"), DevelopmentAccount, Convert.FromBase64String(DevelopmentKey));
        }

        if (!parts.TryGetValue("AccountName", out var account) || account.Length == 0)
        {
            throw new FormatException("AccountName is missing.");
        }

        byte[]? key = null;
        if (parts.TryGetValue("AccountKey", out var keyText))
        {
            try
            {
                key = Convert.FromBase64String(keyText);
            }
            catch (FormatException)
            {
                throw new FormatException("AccountKey is not base64.");
            }
        }

        Uri endpoint;
        if (parts.TryGetValue("TableEndpoint", out var explicitEndpoint))
        {
            if (!Uri.TryCreate(explicitEndpoint.TrimEnd('/'), UriKind.Absolute, out endpoint!)) throw new FormatException("TableEndpoint is not an absolute URL.");
        }
        else
        {
            var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
            var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
            endpoint = new Uri($"{protocol}://{account}.table.{suffix}");
        }

        if (key is null) throw new FormatException("AccountKey is missing (SAS connection strings are not supported).");
        return new StorageConnection(endpoint, account, key);
    }

    /// <summary>Never print the key.</summary>
    public override string ToString() => $"{AccountName} at {TableEndpoint}";
}
