using ComplianceBot.Cli.LocalDev;

namespace ComplianceBot.Testing;

/// <summary>
/// Azurite for the lifetime of a test fixture (xunit class or collection fixture, or <c>using</c> in
/// the benchmarks). It installs the pinned package with <c>npm ci</c> when missing and fails, naming
/// the fix, when Node.js is missing; it never skips.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    public const string AccountName = AzuriteProcess.AccountName;

    public const string AccountKey = AzuriteProcess.AccountKey;

    private readonly AzuriteProcess _azurite = AzuriteProcess.Start(AzuriteProcess.FindRepoRoot());
    private int _prefixCounter;

    public string RepoRoot => _azurite.RepoRoot;

    /// <summary>The emulator's process id, for a benchmark that pauses it (SIGSTOP) to stand for storage that stops answering.</summary>
    public int ProcessId => _azurite.ProcessId;

    public int BlobPort => _azurite.BlobPort;

    public int QueuePort => _azurite.QueuePort;

    public int TablePort => _azurite.TablePort;

    public string TableEndpoint => _azurite.TableEndpoint;

    /// <summary>Connection string with explicit endpoints for the ports this instance listens on.</summary>
    public string ConnectionString => _azurite.ConnectionString;

    /// <summary>Walks up from the test binaries to the directory holding ComplianceBot.sln.</summary>
    public static string FindRepoRoot() => AzuriteProcess.FindRepoRoot();

    /// <summary>A table-name prefix no other caller of this process gets (letters and digits), e.g. <c>t7StaffStore</c>.</summary>
    public string NewTablePrefix(string hint = "t")
    {
        var n = Interlocked.Increment(ref _prefixCounter);
        var letters = new string(hint.Where(char.IsAsciiLetterOrDigit).Take(20).ToArray());
        return $"t{n}{letters}";
    }

    public void Dispose() => _azurite.Dispose();
}
