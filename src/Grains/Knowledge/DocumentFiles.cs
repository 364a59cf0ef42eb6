using System.IO.Compression;
using System.Text;

namespace ReplyX.Knowledge;

/// <summary>Why a file is refused: <see cref="UnsupportedType"/> maps to 415, the rest to 422.</summary>
public sealed class DocumentRejectedException(string reason, bool unsupportedType = false) : Exception(reason)
{
    public bool UnsupportedType { get; } = unsupportedType;
}

/// <summary>Tells a file's format by its content; the name only chooses between plain text and Markdown.</summary>
public static class DocumentSniffer
{
    private static readonly Dictionary<string, FileFormat> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        [".pdf"] = FileFormat.Pdf,
        [".docx"] = FileFormat.Docx,
        [".txt"] = FileFormat.Text,
        [".text"] = FileFormat.Text,
        [".md"] = FileFormat.Markdown,
        [".markdown"] = FileFormat.Markdown,
    };

    public static FileFormat Detect(string fileName, byte[] content)
    {
        var extension = Path.GetExtension(fileName);
        if (!Extensions.TryGetValue(extension, out var named))
        {
            throw new DocumentRejectedException($"Files named '{extension}' are not supported: upload PDF, DOCX, TXT or MD.", unsupportedType: true);
        }
        if (content.Length == 0)
        {
            throw new DocumentRejectedException("The file is empty.");
        }
        var actual = ByContent(content, named);
        if (actual != named && !(IsText(actual) && IsText(named)))
        {
            throw new DocumentRejectedException($"The file is named {extension} but its content is {Describe(actual)}.", unsupportedType: true);
        }
        return named;
    }

    private static bool IsText(FileFormat f) => f is FileFormat.Text or FileFormat.Markdown;

    private static string Describe(FileFormat f) => f switch
    {
        FileFormat.Pdf => "a PDF",
        FileFormat.Docx => "a Word document",
        _ => "text",
    };

    private static FileFormat ByContent(byte[] content, FileFormat named)
    {
        // PDF readers accept the header anywhere in the first kilobyte.
        if (content.AsSpan(0, Math.Min(content.Length, 1024)).IndexOf("%PDF-"u8) >= 0)
        {
            return FileFormat.Pdf;
        }
        if (content.AsSpan().StartsWith("PK\u0003\u0004"u8))
        {
            return IsWordPackage(content) ? FileFormat.Docx
                : throw new DocumentRejectedException("The file is a ZIP archive but not a Word (DOCX) document.", unsupportedType: true);
        }
        if (KnownBinary(content) is { } binary)
        {
            throw new DocumentRejectedException($"The file is {binary}, not a PDF, DOCX, TXT or MD document.", unsupportedType: true);
        }
        var text = TextDecoding.Decode(content);
        if (!TextDecoding.LooksLikeText(text.Text))
        {
            throw new DocumentRejectedException("The file is binary, not a PDF, DOCX, TXT or MD document.", unsupportedType: true);
        }
        return IsText(named) ? named : FileFormat.Text;
    }

    private static bool IsWordPackage(byte[] content)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
            return zip.GetEntry("[Content_Types].xml") is not null && zip.GetEntry("word/document.xml") is not null;
        }
        catch (InvalidDataException)
        {
            throw new DocumentRejectedException("The file looks like a ZIP archive but is damaged.");
        }
    }

    private static string? KnownBinary(ReadOnlySpan<byte> c) =>
        Bytes.Starts(c, 0x89, 0x50, 0x4E, 0x47) ? "a PNG image"
        : Bytes.Starts(c, 0xFF, 0xD8, 0xFF) ? "a JPEG image"
        : c.StartsWith("GIF8"u8) ? "a GIF image"
        : Bytes.Starts(c, 0xD0, 0xCF, 0x11, 0xE0) ? "an old Office (DOC/XLS) file: save it as DOCX"
        : Bytes.Starts(c, 0x7B, 0x5C, 0x72, 0x74, 0x66) ? "an RTF file: save it as DOCX"
        : Bytes.Starts(c, 0x1F, 0x8B) ? "a GZIP archive"
        : c.StartsWith("Rar!"u8) ? "a RAR archive"
        : Bytes.Starts(c, 0x7F, 0x45, 0x4C, 0x46) ? "a program"
        : null;
}

internal static class Bytes
{
    public static bool Starts(ReadOnlySpan<byte> content, params ReadOnlySpan<byte> prefix) => content.StartsWith(prefix);
}

public readonly record struct DecodedText(string Text, string Encoding);

/// <summary>Decodes a text file: BOMs (UTF-8, UTF-16), BOM-less UTF-16 by its zero bytes, strict UTF-8, else Windows-1251.</summary>
public static class TextDecoding
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    static TextDecoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static DecodedText Decode(ReadOnlySpan<byte> bytes)
    {
        if (Bytes.Starts(bytes, 0xEF, 0xBB, 0xBF))
        {
            return new(Encoding.UTF8.GetString(bytes[3..]), "utf-8-bom");
        }
        if (Bytes.Starts(bytes, 0xFF, 0xFE))
        {
            return new(Encoding.Unicode.GetString(bytes[2..]), "utf-16le");
        }
        if (Bytes.Starts(bytes, 0xFE, 0xFF))
        {
            return new(Encoding.BigEndianUnicode.GetString(bytes[2..]), "utf-16be");
        }
        if (Utf16WithoutBom(bytes) is { } utf16)
        {
            return utf16 ? new(Encoding.Unicode.GetString(bytes), "utf-16le") : new(Encoding.BigEndianUnicode.GetString(bytes), "utf-16be");
        }
        try
        {
            return new(StrictUtf8.GetString(bytes), "utf-8");
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8: Russian files from Windows are Windows-1251 (the only single-byte code page we accept).
            return new(Encoding.GetEncoding(1251).GetString(bytes), "windows-1251");
        }
    }

    /// <summary>True for little-endian, false for big-endian, null when the bytes are not BOM-less UTF-16.</summary>
    private static bool? Utf16WithoutBom(ReadOnlySpan<byte> bytes)
    {
        var sample = bytes[..(Math.Min(bytes.Length, 4096) & ~1)];
        if (sample.Length < 4)
        {
            return null;
        }
        int evenZeros = 0, oddZeros = 0;
        for (var i = 0; i < sample.Length; i += 2)
        {
            evenZeros += sample[i] == 0 ? 1 : 0;
            oddZeros += sample[i + 1] == 0 ? 1 : 0;
        }
        var pairs = sample.Length / 2;
        // Latin text in UTF-16 has a zero in every other byte; Cyrillic has 0x04 there instead, so count both.
        if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05 || HighBytes(sample, 1) > pairs * 0.6)
        {
            return true;
        }
        if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05 || HighBytes(sample, 0) > pairs * 0.6)
        {
            return false;
        }
        return null;
    }

    /// <summary>How many bytes at <paramref name="offset"/> of each pair are 0x00 or 0x04 (Basic Latin or Cyrillic high bytes).</summary>
    private static int HighBytes(ReadOnlySpan<byte> sample, int offset)
    {
        var count = 0;
        for (var i = offset; i < sample.Length; i += 2)
        {
            count += sample[i] is 0x00 or 0x04 ? 1 : 0;
        }
        return count;
    }

    /// <summary>Text has few control characters besides line breaks and tabs.</summary>
    public static bool LooksLikeText(string text)
    {
        var sample = text.AsSpan(0, Math.Min(text.Length, 8192));
        var control = 0;
        foreach (var ch in sample)
        {
            if (char.IsControl(ch) && ch is not ('\n' or '\r' or '\t' or '\f'))
            {
                control++;
            }
        }
        return control <= sample.Length / 100;
    }
}
