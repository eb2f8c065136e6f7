using System.Text;
using ComplianceBot.Functions.Endpoints;

namespace ComplianceBot.Functions.Tests.Endpoints;

public sealed class RequestBodySpoolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compliancebot-spool-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ReadsTheWholeBodyFromItsStartAndDeletesTheFileWhenDisposed()
    {
        var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("employee_id,first_name\r\n", 10_000)));
        await using var capped = ImportFunctions.Capped(new MemoryStream(body), body.Length);

        string path;
        await using (var spooled = await RequestBodySpool.SpoolAsync(capped, _directory, CancellationToken.None))
        {
            path = spooled.Name;
            Assert.Equal(_directory, Path.GetDirectoryName(path));
            Assert.True(File.Exists(path));
            Assert.Equal(0, spooled.Position);
            using var copy = new MemoryStream();
            await spooled.CopyToAsync(copy);
            Assert.Equal(body, copy.ToArray());
        }

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task ThrowsBodyTooLargeAndLeavesNoFileWhenTheBodyPassesTheCap()
    {
        var body = new byte[200_000];
        await using var capped = ImportFunctions.Capped(new MemoryStream(body), 100_000);

        await Assert.ThrowsAsync<BodyTooLargeException>(() => RequestBodySpool.SpoolAsync(capped, _directory, CancellationToken.None));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }
}
