using System.Net;
using System.Text.Json;
using ComplianceBot.Domain.Model;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using static ComplianceBot.Functions.Tests.Renewals.RenewalSupport;
using static ComplianceBot.Functions.Tests.Support.Problems;

namespace ComplianceBot.Functions.Tests.Renewals;

[Collection(AzuriteGroup.Name)]
public sealed class RenewalApiTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ComplianceBotApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task TheLinkShowsOnlyItsPersonsDueItemsWithWhatRenewalTakes()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");

        var page = await JsonAsync(await a1.GetAsync("/api/renewal"));

        Assert.Equal("Clinic A", page.GetProperty("clinicName").GetString());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        var hipaa = Assert.Single(items, i => i.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.Equal("expiring", hipaa.GetProperty("state").GetString());
        Assert.Equal("2026-03-16", hipaa.GetProperty("dueOn").GetString());
        Assert.False(string.IsNullOrEmpty(hipaa.GetProperty("renewalSteps").GetString()));
        Assert.DoesNotContain(items, i => i.GetProperty("state").GetString() == "current");
        Assert.DoesNotContain("a2@example.org", page.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Nan", page.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Bob", page.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASubmissionWithAPdfIsStoredAsPendingWithItsFileAndAudited()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");

        var sent = await JsonAsync(await a1.PostAsync("/api/renewal", Form(Pdf, number: "HIP-123456")), HttpStatusCode.Created);

        Assert.Equal("pending", sent.GetProperty("state").GetString());
        var submission = Assert.Single(await SubmissionsAsync(_app));
        Assert.Equal(("a1", "HIPAA", new DateOnly(2026, 2, 20), "HIP-123456", SubmissionState.Pending), (submission.EmployeeId, submission.CredentialCode, submission.IssuedOn, submission.CredentialNumber, submission.State));
        Assert.Equal("application/pdf", submission.EvidenceContentType);
        Assert.Equal(Pdf.Length, submission.EvidenceBytes);
        Assert.Equal([submission.EvidenceBlob], await BlobNamesAsync(azurite, _app));
        var audit = Assert.Single(await AuditAsync(_app), r => r.Action == "renewal.submit");
        Assert.Equal(("self-service:a1", "a1/HIPAA", "pending"), (audit.Actor, audit.Target, audit.Outcome));
        Assert.DoesNotContain("HIP-123456", audit.Detail ?? string.Empty, StringComparison.Ordinal);

        var page = await JsonAsync(await a1.GetAsync("/api/renewal"));
        var hipaa = Assert.Single(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("requirementKey").GetString() == "HIPAA");
        Assert.Equal("pending", hipaa.GetProperty("submission").GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("<!doctype html><html><script>alert(1)</script></html>", "card.pdf", "application/pdf")]
    [InlineData("<script>fetch('/api/clinics')</script>", "card.jpg", "image/jpeg")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "card.png", "image/png")]
    [InlineData("GIF89a", "card.gif", "image/gif")]
    public async Task AFileWhoseBytesAreNotAJpegPngOrPdfIsRefusedWhateverItsNameAndStoresNothing(string content, string name, string type)
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");

        var response = await a1.PostAsync("/api/renewal", Form(System.Text.Encoding.UTF8.GetBytes(content), fileName: name, fileType: type));

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "file");
        Assert.Contains("JPEG or PNG", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await SubmissionsAsync(_app));
        Assert.Empty(await BlobNamesAsync(azurite, _app));
    }

    [Fact]
    public async Task AnElevenMegabyteUploadGets413AndStoresNothingWithOrWithoutContentLength()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        var big = new byte[11 * 1024 * 1024];
        Pdf.CopyTo(big, 0);

        var declared = await a1.PostAsync("/api/renewal", Form(big));
        var chunked = await a1.PostAsync("/api/renewal", Form(new StreamContent(new UnknownLengthStream(big))));

        Assert.Contains("at most 10 MB", (await AssertProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await SubmissionsAsync(_app));
        Assert.Empty(await BlobNamesAsync(azurite, _app));
    }

    [Fact]
    public async Task AnUploadCutOffPartWayLeavesNoSubmissionAndNoFileAndIsCounted()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");
        var file = new byte[3 * 1024 * 1024];
        Pdf.CopyTo(file, 0);

        // The client stops sending after 2 MB and gives up, as a phone that loses its signal does.
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a1.PostAsync("/api/renewal", Form(new StreamContent(new UnknownLengthStream(file, stallAfter: 2 * 1024 * 1024))), giveUp.Token));

        var audit = await WaitForAsync(async () => (await AuditAsync(_app)).SingleOrDefault(r => r.Action == "renewal.upload.incomplete"));
        Assert.Equal("a1/HIPAA", audit.Target);
        Assert.Empty(await SubmissionsAsync(_app));
        Assert.Empty(await BlobNamesAsync(azurite, _app));
    }

    [Fact]
    public async Task AWrongFieldIsA400NamingItAndStoresNothing()
    {
        await SeedAsync(_app);
        using var a1 = _app.WithRenewalLink(TestData.ClinicA, "a1");

        var noDate = await a1.PostAsync("/api/renewal", Form(Pdf, issuedOn: ""));
        var badDate = await a1.PostAsync("/api/renewal", Form(Pdf, issuedOn: "31/02/2026"));
        var noFile = await a1.PostAsync("/api/renewal", new MultipartFormDataContent { { new StringContent("HIPAA"), "code" }, { new StringContent("2026-02-20"), "issuedOn" } });

        await AssertProblemAsync(noDate, HttpStatusCode.BadRequest, "issuedOn");
        await AssertProblemAsync(badDate, HttpStatusCode.BadRequest, "issuedOn");
        await AssertProblemAsync(noFile, HttpStatusCode.BadRequest, "file");
        await AssertProblemAsync(await a1.PostAsync("/api/renewal", Form(Pdf, code: "")), HttpStatusCode.BadRequest, "code");
        Assert.Empty(await SubmissionsAsync(_app));
        Assert.Empty(await BlobNamesAsync(azurite, _app));
    }

    [Fact]
    public async Task AnItemThatIsUpToDateCannotBeSubmitted()
    {
        await SeedAsync(_app);
        using var a2 = _app.WithRenewalLink(TestData.ClinicA, "a2");

        var response = await a2.PostAsync("/api/renewal", Form(Pdf));

        await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Empty(await SubmissionsAsync(_app));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(50);
        }

        throw new TimeoutException("The server did not record the cut-off upload within 5 seconds.");
    }
}

/// <summary>A body without a length (sent chunked), optionally stalling part-way like a connection that dropped.</summary>
internal sealed class UnknownLengthStream(byte[] content, int? stallAfter = null) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (stallAfter is { } limit && _position >= limit) await Task.Delay(Timeout.Infinite, cancellationToken);
        var n = Math.Min(Math.Min(buffer.Length, content.Length - _position), 64 * 1024);
        content.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (stallAfter is { } limit && _position >= limit) throw new IOException("The connection dropped (test).");
        var n = Math.Min(Math.Min(count, content.Length - _position), 64 * 1024);
        Array.Copy(content, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
