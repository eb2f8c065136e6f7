using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ComplianceBot.Cli.LocalDev;

/// <summary>
/// Azurite, the official Azure Storage emulator (the repo's pinned npm package), running in memory
/// on free loopback ports (blob, queue and table) until disposed. Used by the local demo and by the
/// tests. When the package is missing it runs <c>npm ci</c> under a cross-process lock; when Node.js
/// is missing it fails with a message saying what to install.
/// </summary>
public sealed class AzuriteProcess : IDisposable
{
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string InstallHint = "Install Node.js 20+ and run `npm ci` in the repo root (it installs the pinned azurite package).";
    private readonly Process _process;

    private AzuriteProcess(string repoRoot)
    {
        RepoRoot = repoRoot;
        var azurite = EnsureInstalled(RepoRoot);
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
            var process = Start(azurite, blob, queue, table);
            try
            {
                WaitUntilListening(process, table, TimeSpan.FromSeconds(30));
                _process = process;
                BlobPort = blob;
                QueuePort = queue;
                TablePort = table;
                return;
            }
            catch (InvalidOperationException ex)
            {
                // Another process may have taken a port between probing and binding: try new ports.
                last = ex;
                Kill(process);
            }
        }

        throw new InvalidOperationException("Azurite did not start after 3 attempts. " + InstallHint, last);
    }

    public string RepoRoot { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string TableEndpoint => $"http://127.0.0.1:{TablePort}/{AccountName}";

    /// <summary>Connection string with explicit endpoints for the ports this instance listens on.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};TableEndpoint={TableEndpoint};";

    /// <summary>Starts Azurite from the repository at <paramref name="repoRoot"/> (see <see cref="FindRepoRoot"/>).</summary>
    public static AzuriteProcess Start(string repoRoot) => new(repoRoot);

    public void Dispose() => Kill(_process);

    /// <summary>Walks up from the test binaries to the directory holding ComplianceBot.sln.</summary>
    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComplianceBot.sln"))) return dir.FullName;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComplianceBot.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Could not find ComplianceBot.sln above " + AppContext.BaseDirectory);
    }

    private static string AzuritePath(string root) =>
        Path.Combine(root, "node_modules", ".bin", RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "azurite.cmd" : "azurite");

    private static string EnsureInstalled(string root)
    {
        var path = AzuritePath(root);
        if (File.Exists(path)) return path;

        // Several test assemblies start at once: one installs, the others wait on the lock file.
        var lockPath = Path.Combine(Path.GetTempPath(), $"compliancebot-npm-{(uint)root.GetHashCode(StringComparison.Ordinal):x8}.lock");
        using var gate = AcquireLock(lockPath, TimeSpan.FromMinutes(5));
        if (File.Exists(path)) return path;
        var npm = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "npm.cmd" : "npm";
        var info = new ProcessStartInfo(npm, "ci --no-audit --no-fund")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("npm did not start. " + InstallHint);
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                Kill(process);
                throw new InvalidOperationException("npm ci took longer than 5 minutes. " + InstallHint);
            }

            if (process.ExitCode != 0) throw new InvalidOperationException($"npm ci failed ({process.ExitCode}): {stderr.Result}\n{InstallHint}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("Node.js/npm is not on PATH. " + InstallHint, ex);
        }

        return File.Exists(path) ? path : throw new InvalidOperationException($"npm ci ran but {path} is missing. " + InstallHint);
    }

    private static FileStream AcquireLock(string path, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (deadline.Elapsed < timeout)
            {
                Thread.Sleep(250);
            }
        }
    }

    private static Process Start(string azurite, int blob, int queue, int table)
    {
        var info = new ProcessStartInfo(azurite)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[]
                 {
                     "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            var process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start. " + InstallHint);
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Could not run {azurite}. " + InstallHint, ex);
        }
    }

    private static void WaitUntilListening(Process process, int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening on {port}.");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new InvalidOperationException($"Azurite did not listen on port {port} within {timeout.TotalSeconds} s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            process.Dispose();
        }
    }
}
