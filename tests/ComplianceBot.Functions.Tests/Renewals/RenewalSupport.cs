using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using ComplianceBot.Application.Ports;
using ComplianceBot.Functions.Tests.Support;
using ComplianceBot.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Functions.Tests.Renewals;

/// <summary>Forms, files and storage look-ups the renewal tests share.</summary>
internal static class RenewalSupport
{
    public static readonly byte[] Pdf = "%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"u8.ToArray();

    public static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    /// <summary>The renewal form as the page sends it: the fields, then the file.</summary>
    public static MultipartFormDataContent Form(HttpContent file, string issuedOn = "2026-02-20", string? expiresOn = null, string? number = null, string fileName = "card.pdf", string fileType = "application/pdf", string code = "HIPAA")
    {
        var form = new MultipartFormDataContent { { new StringContent(code), "code" } };
        form.Add(new StringContent(issuedOn), "issuedOn");
        if (expiresOn is not null) form.Add(new StringContent(expiresOn), "expiresOn");
        if (number is not null) form.Add(new StringContent(number), "credentialNumber");
        file.Headers.ContentType = new MediaTypeHeaderValue(fileType);
        form.Add(file, "file", fileName);
        return form;
    }

    public static MultipartFormDataContent Form(byte[] file, string issuedOn = "2026-02-20", string? expiresOn = null, string? number = null, string fileName = "card.pdf", string fileType = "application/pdf", string code = "HIPAA") =>
        Form(new ByteArrayContent(file), issuedOn, expiresOn, number, fileName, fileType, code);

    /// <summary>The clinics, the roster (a1, a2 in clinic-a; b1 in clinic-b) and a1's HIPAA, due 2026-03-16 (expiring on the app's Monday).</summary>
    public static async Task SeedAsync(ComplianceBotApp app)
    {
        using var hr = app.Hr();
        await TestData.PutClinicsAsync(hr);
        await TestData.ImportAsync(hr);
    }

    public static async Task<IReadOnlyList<string>> BlobNamesAsync(AzuriteFixture azurite, ComplianceBotApp app)
    {
        var container = new BlobContainerClient(azurite.ConnectionString, app.EvidenceContainer);
        if (!(await container.ExistsAsync()).Value) return [];
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync()) names.Add(blob.Name);
        return names;
    }

    public static Task<IReadOnlyList<ComplianceBot.Domain.Model.Submission>> SubmissionsAsync(ComplianceBotApp app, string clinicId = TestData.ClinicA) =>
        app.Services.GetRequiredService<ISubmissionStore>().ListByClinicAsync(clinicId);

    public static async Task<IReadOnlyList<AuditRecord>> AuditAsync(ComplianceBotApp app, string clinicId = TestData.ClinicA) =>
        await app.Services.GetRequiredService<IAuditLog>().ListAsync(clinicId, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
}

/// <summary>The outbox's .eml files as text: quoted-printable decoded, so a test reads what the person reads.</summary>
internal static class Eml
{
    public static string Decoded(string path)
    {
        var raw = File.ReadAllText(path).Replace("=\r\n", string.Empty, StringComparison.Ordinal);
        var bytes = new List<byte>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '=' && i + 2 < raw.Length && Uri.IsHexDigit(raw[i + 1]) && Uri.IsHexDigit(raw[i + 2]))
            {
                bytes.Add(Convert.ToByte(raw.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(raw[i].ToString()));
            }
        }

        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The decoded emails to one address.</summary>
    public static IReadOnlyList<string> To(ComplianceBotApp app, string address) =>
        app.OutboxFiles().Select(Decoded).Where(text => text.Contains("To: ", StringComparison.Ordinal) && text.Contains(address, StringComparison.Ordinal)).ToList();
}
