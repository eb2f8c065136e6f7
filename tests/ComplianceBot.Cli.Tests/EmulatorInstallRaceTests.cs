using System.Diagnostics;
using ComplianceBot.Cli.LocalDev;

namespace ComplianceBot.Cli.Tests;

/// <summary>
/// The install of the storage emulator is safe across processes (issue: parallel test assemblies each ran
/// `npm ci`, one deleting node_modules under the other): two `compliancebot emulator install` processes started
/// together install once, and an install cut off half-way is redone by the next run. A script named `npm`, first
/// on the children's PATH, stands in for npm: it counts its runs, takes a second, and writes a whole install.
/// </summary>
public sealed class EmulatorInstallRaceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cb-npm-race-").FullName;
    private readonly string _bin = Directory.CreateTempSubdirectory("cb-npm-bin-").FullName;

    public EmulatorInstallRaceTests()
    {
        File.WriteAllText(Path.Combine(_root, "package-lock.json"), "{\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"x\"},\"node_modules/azurite\":{\"version\":\"3.37.0\"}}}");
        var npm = Path.Combine(_bin, "npm");
        File.WriteAllText(npm, string.Join('\n',
            "#!/bin/sh",
            "set -e",
            "echo run >> installs.log",
            "rm -rf node_modules",
            "sleep 1",
            "mkdir -p node_modules/azurite node_modules/.bin",
            "echo '{\"name\":\"azurite\",\"version\":\"3.37.0\"}' > node_modules/azurite/package.json",
            "touch node_modules/.bin/azurite",
            "cp package-lock.json node_modules/.package-lock.json",
            string.Empty));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_bin, recursive: true);
    }

    [Fact]
    public async Task InstallsOnceWhenTwoProcessesStartTogether()
    {
        Assert.False(OperatingSystem.IsWindows(), "The stand-in for npm is a POSIX shell script: run this on Linux or macOS (CI does).");

        var results = await Task.WhenAll(RunAsync(), RunAsync());

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Output));
        Assert.Single(File.ReadAllLines(Path.Combine(_root, "installs.log")));
        Assert.True(AzuriteProcess.IsWholeInstall(_root));
    }

    [Fact]
    public async Task RedoesAnInstallThatWasCutOffHalfWay()
    {
        Assert.False(OperatingSystem.IsWindows(), "The stand-in for npm is a POSIX shell script: run this on Linux or macOS (CI does).");

        // What a killed `npm ci` leaves: packages on disk, but not the lock file npm writes last.
        Directory.CreateDirectory(Path.Combine(_root, "node_modules", "azurite"));
        File.WriteAllText(Path.Combine(_root, "node_modules", "azurite", "package.json"), "{}");
        Assert.False(AzuriteProcess.IsWholeInstall(_root));

        var result = await RunAsync();

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Single(File.ReadAllLines(Path.Combine(_root, "installs.log")));
        Assert.True(AzuriteProcess.IsWholeInstall(_root));
    }

    private async Task<(int ExitCode, string Output)> RunAsync()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "compliancebot.dll");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "emulator", "install", "--root", _root }) info.ArgumentList.Add(arg);
        info.Environment["PATH"] = _bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
