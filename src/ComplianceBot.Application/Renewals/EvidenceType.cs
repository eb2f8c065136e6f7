namespace ComplianceBot.Application.Renewals;

/// <summary>
/// The kinds of certificate file accepted, decided from the file's first bytes (never from its name or the type the
/// browser claims): a JPEG or PNG photo, or a PDF. HTML, script, SVG and everything else are refused.
/// </summary>
public static class EvidenceType
{
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string Pdf = "application/pdf";

    /// <summary>Bytes the check needs to see (fewer only when the file is shorter).</summary>
    public const int SniffLength = 8;

    /// <summary>What the refused file's type must be, as a person reads it.</summary>
    public const string Accepted = "a photo (JPEG or PNG) or a PDF of the card or certificate";

    /// <summary>The media type the bytes show, or null when they are none of the accepted kinds.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return Jpeg;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return Png;
        if (head.StartsWith("%PDF-"u8)) return Pdf;
        return null;
    }

    /// <summary>The file name a download gets, from the sniffed type.</summary>
    public static string Extension(string contentType) => contentType switch
    {
        Jpeg => ".jpg",
        Png => ".png",
        Pdf => ".pdf",
        _ => ".bin",
    };
}
