using System.Diagnostics;
using ComplianceBot.Cli.LocalDev;
using Spectre.Console;

namespace ComplianceBot.Cli.Tests;

/// <summary>
/// The demo's first run installs Azurite with npm, which takes minutes: it says so before, passes npm's
/// lines through, and says when it is done. A shell script stands in for npm and writes a whole install.
/// </summary>
public sealed class DemoInstallMessageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cb-demo-npm-").FullName;

    [Fact]
    public async Task SaysWhatIsInstalledAndHowLongItTakesThenPassesNpmsLinesAndSaysWhenDone()
    {
        if (OperatingSystem.IsWindows()) return; // the stand-in for npm is a POSIX shell script
        File.WriteAllText(Path.Combine(_root, "package-lock.json"), Packages);
        var npm = FakeNpm("echo 'added 1 package in 1s'");
        var output = new StringWriter();

        await DemoCommand.InstallStorageEmulatorAsync(Console(output), _root, npm, CancellationToken.None);

        var text = output.ToString();
        var announce = text.IndexOf("Installing the storage emulator (Azurite) with npm ci; the first time takes about 2 minutes.", StringComparison.Ordinal);
        var npmLine = text.IndexOf("npm: added 1 package in 1s", StringComparison.Ordinal);
        var done = text.IndexOf("The storage emulator is installed", StringComparison.Ordinal);
        Assert.True(announce >= 0 && npmLine > announce && done > npmLine, text);
        Assert.True(AzuriteProcess.IsWholeInstall(_root));
    }

    [Fact]
    public async Task SaysNothingWhenAzuriteIsAlreadyInstalled()
    {
        if (OperatingSystem.IsWindows()) return;
        File.WriteAllText(Path.Combine(_root, "package-lock.json"), Packages);
        await DemoCommand.InstallStorageEmulatorAsync(Console(new StringWriter()), _root, FakeNpm(), CancellationToken.None);
        var output = new StringWriter();

        await DemoCommand.InstallStorageEmulatorAsync(Console(output), _root, FakeNpm("exit 9"), CancellationToken.None);

        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public async Task ReportsNpmsErrorWhenTheInstallFails()
    {
        if (OperatingSystem.IsWindows()) return;
        File.WriteAllText(Path.Combine(_root, "package-lock.json"), Packages);
        var output = new StringWriter();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            DemoCommand.InstallStorageEmulatorAsync(Console(output), _root, FakeNpm("echo 'npm error network unreachable' >&2; exit 1"), CancellationToken.None));

        Assert.Contains("npm ci failed (1): npm error network unreachable", failure.Message, StringComparison.Ordinal);
        Assert.Contains("npm: npm error network unreachable", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("is installed", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const string Packages = "{\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"x\"},\"node_modules/azurite\":{\"version\":\"3.37.0\"}}}";

    private static IAnsiConsole Console(StringWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 500; // one message, one line
        return console;
    }

    /// <summary>A stand-in for npm that runs <paramref name="first"/> and then writes what a finished <c>npm ci</c> leaves.</summary>
    private ProcessStartInfo FakeNpm(string first = "true")
    {
        var script = Path.Combine(_root, "fake-npm.sh");
        File.WriteAllText(script, string.Join('\n',
            "set -e",
            first,
            "mkdir -p node_modules/azurite node_modules/.bin",
            "echo '{\"name\":\"azurite\",\"version\":\"3.37.0\"}' > node_modules/azurite/package.json",
            "touch node_modules/.bin/azurite",
            "cp package-lock.json node_modules/.package-lock.json",
            string.Empty));
        return new ProcessStartInfo("/bin/sh", [script]) { WorkingDirectory = _root };
    }
}
