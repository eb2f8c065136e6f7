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

    /// <summary>The emulator's process id (the queue benchmark pauses it to stand for storage that stops answering).</summary>
    public int ProcessId => _process.Id;

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

    private static string EnsureInstalled(string root) => EnsureInstalled(root, onOutput: null);

    /// <summary>The command that installs the repository's pinned packages: <c>npm ci</c> in <paramref name="root"/>.</summary>
    public static ProcessStartInfo NpmCi(string root) =>
        new(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "npm.cmd" : "npm", "ci --no-audit --no-fund") { WorkingDirectory = root };

    /// <summary>
    /// Installs the pinned Azurite package with <paramref name="npm"/> (by default <see cref="NpmCi"/>) unless
    /// node_modules already holds a whole install, under a lock shared with every process on this machine.
    /// Each line npm writes goes to <paramref name="onOutput"/> as it comes (from another thread); without
    /// one, a single line on standard error says that the install runs. Returns the azurite executable.
    /// </summary>
    public static string EnsureInstalled(string root, Action<string>? onOutput, ProcessStartInfo? npm = null)
    {
        var path = AzuritePath(root);
        if (IsWholeInstall(root)) return path;

        // Several test assemblies start at once: one installs, the others wait on the lock file. The name
        // must be the same in every process, so it comes from a SHA-256 of the path (string.GetHashCode is
        // randomized per process, and a lock nobody else finds excludes nobody).
        using var gate = AcquireLock(InstallLockPath(root), TimeSpan.FromMinutes(5));
        if (IsWholeInstall(root)) return path;
        if (onOutput is null) Console.Error.WriteLine("Installing Azurite, the storage emulator, with `npm ci` (first run only; about 2 minutes)...");
        var info = npm ?? NpmCi(root);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var errors = new System.Text.StringBuilder();
        try
        {
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line) onOutput?.Invoke(line);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not { Length: > 0 } line) return;
                lock (errors) errors.AppendLine(line);
                onOutput?.Invoke(line);
            };
            if (!process.Start()) throw new InvalidOperationException("npm did not start. " + InstallHint);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                Kill(process);
                throw new InvalidOperationException("npm ci took longer than 5 minutes. " + InstallHint);
            }

            process.WaitForExit(); // the last output lines
            if (process.ExitCode != 0)
            {
                string text;
                lock (errors) text = errors.ToString();
                throw new InvalidOperationException($"npm ci failed ({process.ExitCode}): {text}\n{InstallHint}");
            }
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("Node.js/npm is not on PATH. " + InstallHint, ex);
        }

        return IsWholeInstall(root) ? path : throw new InvalidOperationException($"npm ci ran but the install in {root}/node_modules is not whole. " + InstallHint);
    }

    /// <summary>The cross-process install lock for the repository at <paramref name="root"/>: the same path in every process.</summary>
    public static string InstallLockPath(string root)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(root)));
        return Path.Combine(Path.GetTempPath(), $"compliancebot-npm-{Convert.ToHexStringLower(hash, 0, 8)}.lock");
    }

    /// <summary>
    /// True when node_modules holds a finished install of the lock file: npm writes
    /// <c>node_modules/.package-lock.json</c> only once an install completes, and an interrupted
    /// <c>npm ci</c> leaves it absent (or leaves a package of the lock file missing), so the next run repairs it.
    /// </summary>
    public static bool IsWholeInstall(string root)
    {
        var hidden = Path.Combine(root, "node_modules", ".package-lock.json");
        var lockFile = Path.Combine(root, "package-lock.json");
        if (!File.Exists(AzuritePath(root)) || !File.Exists(hidden) || !File.Exists(lockFile)) return false;
        try
        {
            using var wanted = System.Text.Json.JsonDocument.Parse(File.ReadAllText(lockFile));
            using var installed = System.Text.Json.JsonDocument.Parse(File.ReadAllText(hidden));
            if (!installed.RootElement.TryGetProperty("packages", out var have)) return false;
            foreach (var package in wanted.RootElement.GetProperty("packages").EnumerateObject())
            {
                if (package.Name.Length == 0 || !package.Name.StartsWith("node_modules/", StringComparison.Ordinal)) continue;
                if (package.Value.TryGetProperty("optional", out var optional) && optional.ValueKind == System.Text.Json.JsonValueKind.True) continue;
                if (!have.TryGetProperty(package.Name, out var entry)) return false;
                if (package.Value.TryGetProperty("version", out var version) &&
                    (!entry.TryGetProperty("version", out var got) || got.GetString() != version.GetString())) return false;
                if (!File.Exists(Path.Combine(root, package.Name, "package.json"))) return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
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
