using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace ReplyX.Tests.Knowledge;

/// <summary>Real documents made by the same libraries other tools use: PDFs with PdfPig's writer (a TrueType font with Cyrillic), DOCX with the Open XML SDK.</summary>
public static class TestDocuments
{
    private static readonly string[] Fonts =
    [
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", // installed with chromium (test.sh)
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ];

    /// <summary>A PDF with one page per entry, each page's lines written top-down.</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddTrueTypeFont(File.ReadAllBytes(Fonts.First(File.Exists)));
        foreach (var lines in pages)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            var y = 780.0;
            foreach (var line in lines)
            {
                if (line.Length > 0)
                {
                    page.AddText(line, 11, new PdfPoint(40, y), font);
                }
                y -= line.Length == 0 ? 22 : 16;
            }
        }
        return builder.Build();
    }

    /// <summary>A PDF whose pages hold only drawings (as a scan without OCR holds only images).</summary>
    public static byte[] PdfWithoutText(int pages)
    {
        var builder = new PdfDocumentBuilder();
        for (var i = 0; i < pages; i++)
        {
            builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4).DrawRectangle(new PdfPoint(50, 50), 400, 600);
        }
        return builder.Build();
    }

    public static W.Paragraph Heading(string text, int level) => new(
        new W.ParagraphProperties(new W.ParagraphStyleId { Val = "Heading" + level }), new W.Run(new W.Text(text)));

    public static W.Paragraph Text(string text) => new(new W.Run(new W.Text(text) { Space = SpaceProcessingModeValues.Preserve }));

    public static W.Paragraph ListItem(string text) => new(
        new W.ParagraphProperties(new W.NumberingProperties(new W.NumberingLevelReference { Val = 0 }, new W.NumberingId { Val = 1 })),
        new W.Run(new W.Text(text)));

    public static W.Table Table(params string[][] rows) => new(rows.Select(r => new W.TableRow(r.Select(c => new W.TableCell(Text(c))))));

    public static byte[] Docx(params OpenXmlElement[] body)
    {
        using var stream = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            main.Document = new W.Document(new W.Body(body));
            main.Document.Save();
        }
        return stream.ToArray();
    }

    /// <summary>A valid DOCX with one more part added by hand (a zip bomb's filler, a DTD…).</summary>
    public static byte[] WithEntry(byte[] docx, string name, Action<Stream> write, CompressionLevel level = CompressionLevel.Optimal)
    {
        var stream = new MemoryStream();
        stream.Write(docx);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(name)?.Delete();
            using var entry = zip.CreateEntry(name, level).Open();
            write(entry);
        }
        return stream.ToArray();
    }

    public static byte[] Utf8(string text, bool bom = false) => bom ? [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text);
}
