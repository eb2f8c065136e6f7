using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ComplianceBot.Bench;

/// <summary>A web app started as its own process on a free loopback port, timed to its first answer.</summary>
internal sealed class AppProcess : IDisposable
{
    private readonly Process _process;

    private readonly Stopwatch _sinceStart;

    private AppProcess(Process process, Uri baseUrl, Stopwatch sinceStart)
    {
        _process = process;
        _sinceStart = sinceStart;
        BaseUrl = baseUrl;
        Startup = sinceStart.Elapsed;
    }

    public Uri BaseUrl { get; }

    /// <summary>From process start to the first 200 on GET /.</summary>
    public TimeSpan Startup { get; }

    /// <summary>CPU time the process has used so far (all threads), in ms.</summary>
    public long CpuMs
    {
        get
        {
            _process.Refresh();
            return (long)_process.TotalProcessorTime.TotalMilliseconds;
        }
    }

    /// <summary>Time since the process was started.</summary>
    public TimeSpan SinceStart => _sinceStart.Elapsed;

    /// <summary>Peak resident memory of the process so far (Linux VmHWM), in MiB.</summary>
    public long PeakMemoryMiB
    {
        get
        {
            var status = $"/proc/{_process.Id}/status";
            if (!File.Exists(status)) return -1;
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
    }

    /// <summary>The built app next to this benchmark (a project reference copies it here).</summary>
    public static string AppPath(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assemblyName}.dll is not next to the benchmark; build bench/ComplianceBot.Bench first.", path);
    }

    /// <summary>
    /// Publishes a project self-contained for linux-x64 with ReadyToRun into a fresh
    /// folder under artifacts/bench/ and returns its executable.
    /// </summary>
    public static async Task<string> PublishAsync(string projectPath, string name)
    {
        var root = RepoRoot();
        var output = Path.Combine(root, "artifacts", "bench", name);
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var arg in new[] { "publish", Path.Combine(root, projectPath), "-c", "Release", "-r", "linux-x64", "--self-contained", "true", "-p:PublishReadyToRun=true", "-o", output })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish {projectPath} failed ({process.ExitCode}): {await stdout}{await stderr}");
        var exe = Path.Combine(output, Path.GetFileNameWithoutExtension(projectPath));
        return File.Exists(exe) ? exe : throw new FileNotFoundException("the publish produced no executable", exe);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComplianceBot.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException("ComplianceBot.sln not found above " + AppContext.BaseDirectory);
    }

    public static async Task<AppProcess> StartAsync(string dll, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        // Started in the app's own folder, as a deployed app is. (Started from the
        // repository root, both apps would spend about 250 ms watching its whole tree for config changes.)
        // A .dll runs under the dotnet muxer; anything else is a published executable, started directly.
        var managed = dll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(managed ? "dotnet" : dll)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
        };
        if (managed) info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url.ToString().TrimEnd('/'));
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in environment) info.Environment[k] = v;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        process.OutputDataReceived += (_, _) => { };
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited) throw new InvalidOperationException($"{Path.GetFileName(dll)} exited ({process.ExitCode}): {errors}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK) return new AppProcess(process, url, clock);
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(5);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"{Path.GetFileName(dll)} did not answer within 60 s: {errors}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
