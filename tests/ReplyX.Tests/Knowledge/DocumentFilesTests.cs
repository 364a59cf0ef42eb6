using System.Text;
using ReplyX.Knowledge;

namespace ReplyX.Tests.Knowledge;

public sealed class DocumentFilesTests
{
    static DocumentFilesTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private const string Russian = "Доставка по Москве занимает один день. Курьер звонит за час.";

    [Fact]
    public void Each_format_is_told_by_its_content()
    {
        Assert.Equal(FileFormat.Pdf, DocumentSniffer.Detect("a.pdf", TestDocuments.Pdf(["Привет"])));
        Assert.Equal(FileFormat.Docx, DocumentSniffer.Detect("a.DOCX", TestDocuments.Docx(TestDocuments.Text("Привет"))));
        Assert.Equal(FileFormat.Text, DocumentSniffer.Detect("a.txt", TestDocuments.Utf8(Russian)));
        Assert.Equal(FileFormat.Markdown, DocumentSniffer.Detect("a.md", TestDocuments.Utf8("# Заголовок\n\n" + Russian)));
    }

    [Theory]
    [InlineData("report.pdf", "text")]
    [InlineData("report.docx", "pdf")]
    [InlineData("notes.txt", "pdf")]
    [InlineData("notes.md", "docx")]
    [InlineData("picture.txt", "png")]
    [InlineData("old.docx", "doc")]
    [InlineData("archive.docx", "zip")]
    [InlineData("report.exe", "text")]
    [InlineData("report", "text")]
    public void A_name_the_content_contradicts_or_an_unsupported_type_is_refused_as_unsupported(string name, string content)
    {
        byte[] bytes = content switch
        {
            "pdf" => TestDocuments.Pdf(["x"]),
            "docx" => TestDocuments.Docx(TestDocuments.Text("x")),
            "png" => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
            "doc" => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            "zip" => ZipWith("readme.txt"),
            _ => TestDocuments.Utf8(Russian),
        };
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentSniffer.Detect(name, bytes));
        Assert.True(ex.UnsupportedType, ex.Message);
    }

    [Fact]
    public void An_empty_file_and_a_damaged_zip_are_refused_with_a_reason()
    {
        Assert.False(Assert.Throws<DocumentRejectedException>(() => DocumentSniffer.Detect("a.txt", [])).UnsupportedType);
        var damaged = TestDocuments.Docx(TestDocuments.Text("x"))[..40];
        Assert.Contains("damaged", Assert.Throws<DocumentRejectedException>(() => DocumentSniffer.Detect("a.docx", damaged)).Message);
    }

    [Fact]
    public void Binary_noise_named_txt_is_not_text()
    {
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);
        noise[0] = 0x01;
        Assert.True(Assert.Throws<DocumentRejectedException>(() => DocumentSniffer.Detect("a.txt", noise)).UnsupportedType);
    }

    [Fact]
    public void Text_encodings_are_detected()
    {
        Assert.Equal(new DecodedText(Russian, "utf-8"), TextDecoding.Decode(Encoding.UTF8.GetBytes(Russian)));
        Assert.Equal(new DecodedText(Russian, "utf-8-bom"), TextDecoding.Decode(TestDocuments.Utf8(Russian, bom: true)));
        Assert.Equal(new DecodedText(Russian, "utf-16le"), TextDecoding.Decode(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Russian)).ToArray()));
        Assert.Equal(new DecodedText(Russian, "utf-16be"), TextDecoding.Decode(Encoding.BigEndianUnicode.GetPreamble().Concat(Encoding.BigEndianUnicode.GetBytes(Russian)).ToArray()));
        Assert.Equal(new DecodedText(Russian, "utf-16le"), TextDecoding.Decode(Encoding.Unicode.GetBytes(Russian)));
        Assert.Equal(new DecodedText("Delivery takes one day.", "utf-16le"), TextDecoding.Decode(Encoding.Unicode.GetBytes("Delivery takes one day.")));
        Assert.Equal(new DecodedText(Russian, "windows-1251"), TextDecoding.Decode(Encoding.GetEncoding(1251).GetBytes(Russian)));
        Assert.Equal(FileFormat.Text, DocumentSniffer.Detect("win.txt", Encoding.GetEncoding(1251).GetBytes(Russian)));
    }

    private static byte[] ZipWith(string name)
    {
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var w = new StreamWriter(zip.CreateEntry(name).Open());
            w.Write("hello");
        }
        return stream.ToArray();
    }
}
