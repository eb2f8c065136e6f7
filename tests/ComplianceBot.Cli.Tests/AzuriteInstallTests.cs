using ComplianceBot.Cli.LocalDev;
using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary>
/// The test assemblies start Azurite in parallel, so the npm install behind it must be excluded across
/// processes (a lock path every process computes alike) and an interrupted install must be recognised
/// as not whole, so the next run repairs it instead of failing on a half-filled node_modules.
/// </summary>
public sealed class AzuriteInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cb-npm-").FullName;

    [Fact]
    public void LockPathIsTheSameInEveryProcess()
    {
        // A constant proves it: string.GetHashCode would give another value in each process (and run).
        var path = AzuriteProcess.InstallLockPath("/srv/repo");

        Assert.Equal(Path.Combine(Path.GetTempPath(), "compliancebot-npm-203fce37fbfc82f3.lock"), path);
    }

    [Fact]
    public void InstallWithEveryPackageAndNpmsRecordIsWhole()
    {
        WriteLockFile();
        WritePackage("azurite", "3.37.0");
        WritePackage("tedious", "16.7.1");
        WriteHiddenLockFile();

        Assert.True(AzuriteProcess.IsWholeInstall(_root));
    }

    [Fact]
    public void InstallInterruptedBeforeNpmRecordedItIsNotWhole()
    {
        WriteLockFile();
        WritePackage("azurite", "3.37.0");

        Assert.False(AzuriteProcess.IsWholeInstall(_root));
    }

    [Fact]
    public void InstallMissingAPackageOfTheLockFileIsNotWhole()
    {
        WriteLockFile();
        WritePackage("azurite", "3.37.0");
        WriteHiddenLockFile();

        Assert.False(AzuriteProcess.IsWholeInstall(_root));
    }

    [Fact]
    public void InstallOfAnotherVersionIsNotWhole()
    {
        WriteLockFile();
        WritePackage("azurite", "3.37.0");
        WritePackage("tedious", "16.7.1");
        WriteHiddenLockFile(azuriteVersion: "3.30.0");

        Assert.False(AzuriteProcess.IsWholeInstall(_root));
    }

    [Fact]
    public void TheRepositorysOwnInstallIsWholeOnceAzuriteHasStarted()
    {
        using var azurite = new AzuriteFixture();

        Assert.True(AzuriteProcess.IsWholeInstall(azurite.RepoRoot));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void WriteLockFile() => File.WriteAllText(Path.Combine(_root, "package-lock.json"), Packages("3.37.0"));

    private void WriteHiddenLockFile(string azuriteVersion = "3.37.0") =>
        File.WriteAllText(Path.Combine(_root, "node_modules", ".package-lock.json"), Packages(azuriteVersion));

    private static string Packages(string azuriteVersion) =>
        "{\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"x\"}," +
        $"\"node_modules/azurite\":{{\"version\":\"{azuriteVersion}\"}}," +
        "\"node_modules/tedious\":{\"version\":\"16.7.1\"}," +
        "\"node_modules/fsevents\":{\"version\":\"2.3.3\",\"optional\":true}}}";

    private void WritePackage(string name, string version)
    {
        var dir = Path.Combine(_root, "node_modules", name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "package.json"), $"{{\"name\":\"{name}\",\"version\":\"{version}\"}}");
        if (name != "azurite") return;
        Directory.CreateDirectory(Path.Combine(_root, "node_modules", ".bin"));
        File.WriteAllText(Path.Combine(_root, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite"), "");
    }
}
