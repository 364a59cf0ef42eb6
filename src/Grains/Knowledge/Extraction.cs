using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace ReplyX.Knowledge;

public enum BlockKind
{
    Heading,
    Paragraph,
    ListItem,
    TableRow,
    Code,
}

/// <summary>One structural piece of a document: a heading (with its level), a paragraph, a list item, a table row.</summary>
public sealed record DocumentBlock(BlockKind Kind, string Text, int Level = 0, int? Page = null);

public sealed record ExtractedDocument(IReadOnlyList<DocumentBlock> Blocks, int Pages, string? Encoding = null)
{
    public int Characters => Blocks.Sum(b => b.Text.Length);
}

/// <summary>Limits that keep a hostile file from taking the silo's memory.</summary>
public sealed record ExtractionLimits(long MaxUnpackedBytes, int MaxZipEntries, int MaxCompressionRatio)
{
    public static ExtractionLimits Default { get; } = new(200L * 1024 * 1024, 5_000, 200);
}

/// <summary>Text and structure out of PDF, DOCX, Markdown and plain text, keeping headings and page numbers for citations.</summary>
public static partial class DocumentReader
{
    public static ExtractedDocument Read(FileFormat format, byte[] content, ExtractionLimits? limits = null)
    {
        var document = format switch
        {
            FileFormat.Pdf => Pdf(content),
            FileFormat.Docx => Docx(content, limits ?? ExtractionLimits.Default),
            FileFormat.Markdown => MarkdownText(TextDecoding.Decode(content)),
            _ => PlainText(TextDecoding.Decode(content)),
        };
        if (document.Blocks.All(b => string.IsNullOrWhiteSpace(b.Text)))
        {
            throw new DocumentRejectedException(format == FileFormat.Pdf && document.Pages > 0
                ? $"The PDF has {document.Pages} page(s) but no text layer (scanned images?): run OCR on it or upload the text."
                : "The document contains no text.");
        }
        return document;
    }

    private static ExtractedDocument Pdf(byte[] content)
    {
        try
        {
            using var pdf = PdfDocument.Open(content, new ParsingOptions { UseLenientParsing = true });
            var blocks = new List<DocumentBlock>();
            foreach (var page in pdf.GetPages())
            {
                var text = ContentOrderTextExtractor.GetText(page);
                foreach (var paragraph in Paragraphs(text))
                {
                    blocks.Add(new DocumentBlock(ListMarker().IsMatch(paragraph) ? BlockKind.ListItem : BlockKind.Paragraph, paragraph, Page: page.Number));
                }
            }
            return new ExtractedDocument(blocks, pdf.NumberOfPages);
        }
        catch (Exception ex) when (ex is UglyToad.PdfPig.Core.PdfDocumentFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            throw new DocumentRejectedException(ex.Message.Contains("encrypt", StringComparison.OrdinalIgnoreCase)
                ? "The PDF is password-protected: upload it without a password."
                : "The PDF is damaged and cannot be read: " + ex.Message);
        }
    }

    private static ExtractedDocument Docx(byte[] content, ExtractionLimits limits)
    {
        GuardZip(content, limits);
        try
        {
            using var word = WordprocessingDocument.Open(new MemoryStream(content, writable: false), false,
                new OpenSettings { MaxCharactersInPart = limits.MaxUnpackedBytes / 2 });
            var body = word.MainDocumentPart?.Document?.Body ?? throw new DocumentRejectedException("The Word document has no body.");
            var blocks = new List<DocumentBlock>();
            foreach (var element in body.ChildElements)
            {
                switch (element)
                {
                    case W.Paragraph p:
                        var text = ParagraphText(p);
                        if (text.Length == 0)
                        {
                            break;
                        }
                        if (HeadingLevel(p, word) is { } level)
                        {
                            blocks.Add(new DocumentBlock(BlockKind.Heading, text, level));
                        }
                        else
                        {
                            blocks.Add(new DocumentBlock(p.ParagraphProperties?.NumberingProperties is not null ? BlockKind.ListItem : BlockKind.Paragraph, text));
                        }
                        break;
                    case W.Table table:
                        foreach (var row in table.Elements<W.TableRow>())
                        {
                            var cells = row.Elements<W.TableCell>().Select(c => string.Join(" ", c.Elements<W.Paragraph>().Select(ParagraphText)).Trim());
                            var line = string.Join(" | ", cells);
                            if (line.Replace("|", "").Trim().Length > 0)
                            {
                                blocks.Add(new DocumentBlock(BlockKind.TableRow, line));
                            }
                        }
                        break;
                }
            }
            return new ExtractedDocument(blocks, 0);
        }
        catch (Exception ex) when (ex is XmlException or OpenXmlPackageException or InvalidDataException or IOException)
        {
            throw new DocumentRejectedException(ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("MaxCharactersInPart", StringComparison.Ordinal)
                ? "The Word document is refused: it declares XML entities or expands beyond the size limit."
                : "The Word document is damaged and cannot be read: " + ex.Message);
        }
    }

    /// <summary>Refuses zip bombs before anything is unpacked: too many entries, too much declared content, or a ratio no document has.</summary>
    private static void GuardZip(byte[] content, ExtractionLimits limits)
    {
        using var zip = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
        if (zip.Entries.Count > limits.MaxZipEntries)
        {
            throw new DocumentRejectedException($"The Word document has {zip.Entries.Count} parts; at most {limits.MaxZipEntries} are accepted.");
        }
        long total = 0;
        foreach (var entry in zip.Entries)
        {
            total += entry.Length;
            if (total > limits.MaxUnpackedBytes || entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > limits.MaxCompressionRatio)
            {
                throw new DocumentRejectedException("The Word document unpacks to far more than its size (a zip bomb?): it is refused.");
            }
        }
    }

    private static int? HeadingLevel(W.Paragraph p, WordprocessingDocument word)
    {
        var props = p.ParagraphProperties;
        if (props?.OutlineLevel?.Val?.Value is { } outline && outline < 9)
        {
            return outline + 1;
        }
        var styleId = props?.ParagraphStyleId?.Val?.Value;
        if (styleId is null)
        {
            return null;
        }
        var style = word.MainDocumentPart?.StyleDefinitionsPart?.Styles?.Elements<W.Style>().FirstOrDefault(s => s.StyleId?.Value == styleId);
        if (style?.StyleParagraphProperties?.OutlineLevel?.Val?.Value is { } styleOutline && styleOutline < 9)
        {
            return styleOutline + 1;
        }
        var name = style?.StyleName?.Val?.Value ?? styleId;
        if (name.Equals("Title", StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }
        var match = HeadingStyle().Match(name);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Runs' text with line breaks and tabs (<c>InnerText</c> drops both).</summary>
    private static string ParagraphText(W.Paragraph p)
    {
        var sb = new StringBuilder();
        foreach (var e in p.Descendants())
        {
            switch (e)
            {
                case W.Text t:
                    sb.Append(t.Text);
                    break;
                case W.Break:
                case W.CarriageReturn:
                    sb.Append('\n');
                    break;
                case W.TabChar:
                    sb.Append('\t');
                    break;
            }
        }
        return sb.ToString().Trim();
    }

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private static ExtractedDocument MarkdownText(DecodedText text)
    {
        var blocks = new List<DocumentBlock>();
        Walk(Markdown.Parse(text.Text, Pipeline), blocks);
        return new ExtractedDocument(blocks, 0, text.Encoding);
    }

    private static void Walk(ContainerBlock container, List<DocumentBlock> blocks, BlockKind kind = BlockKind.Paragraph)
    {
        foreach (var block in container)
        {
            switch (block)
            {
                case HeadingBlock h:
                    blocks.Add(new DocumentBlock(BlockKind.Heading, Inline(h.Inline), h.Level));
                    break;
                case Table table:
                    foreach (var row in table.OfType<TableRow>())
                    {
                        var cells = row.OfType<TableCell>().Select(c => string.Join(" ", c.OfType<ParagraphBlock>().Select(p => Inline(p.Inline))));
                        blocks.Add(new DocumentBlock(BlockKind.TableRow, string.Join(" | ", cells)));
                    }
                    break;
                case ListItemBlock item:
                    // A list item is one block however many paragraphs it has, so chunking never cuts it.
                    var parts = new List<DocumentBlock>();
                    Walk(item, parts);
                    blocks.Add(new DocumentBlock(BlockKind.ListItem, "- " + string.Join("\n", parts.Select(p => p.Text))));
                    break;
                case ContainerBlock inner:
                    Walk(inner, blocks, kind);
                    break;
                case ParagraphBlock p:
                    blocks.Add(new DocumentBlock(kind, Inline(p.Inline)));
                    break;
                case CodeBlock code:
                    blocks.Add(new DocumentBlock(BlockKind.Code, code.Lines.ToString()));
                    break;
            }
        }
    }

    private static string Inline(ContainerInline? inline)
    {
        if (inline is null)
        {
            return "";
        }
        var sb = new StringBuilder();
        foreach (var item in inline.Descendants())
        {
            switch (item)
            {
                case LiteralInline literal:
                    sb.Append(literal.Content.AsSpan());
                    break;
                case CodeInline code:
                    sb.Append(code.Content);
                    break;
                case LineBreakInline:
                    sb.Append(' ');
                    break;
            }
        }
        return sb.ToString().Trim();
    }

    private static ExtractedDocument PlainText(DecodedText text)
    {
        var blocks = Paragraphs(text.Text)
            .Select(p => new DocumentBlock(ListMarker().IsMatch(p) ? BlockKind.ListItem : BlockKind.Paragraph, p))
            .ToList();
        return new ExtractedDocument(blocks, 0, text.Encoding);
    }

    /// <summary>Paragraphs are separated by blank lines; a run of list lines gives one block per item.</summary>
    private static IEnumerable<string> Paragraphs(string text)
    {
        foreach (var paragraph in BlankLines().Split(text.Replace("\r\n", "\n").Replace('\r', '\n')))
        {
            var trimmed = paragraph.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }
            var lines = trimmed.Split('\n');
            if (lines.Length > 1 && lines.Count(l => ListMarker().IsMatch(l)) > 1)
            {
                var current = new StringBuilder();
                foreach (var line in lines)
                {
                    if (ListMarker().IsMatch(line) && current.Length > 0)
                    {
                        yield return current.ToString().Trim();
                        current.Clear();
                    }
                    current.Append(line.Trim()).Append(' ');
                }
                yield return current.ToString().Trim();
            }
            else
            {
                yield return string.Join(" ", lines.Select(l => l.Trim()));
            }
        }
    }

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex BlankLines();

    [GeneratedRegex(@"^\s*([-*•–]|\d{1,3}[.)])\s+")]
    private static partial Regex ListMarker();

    [GeneratedRegex(@"^(?:heading|заголовок)\s*(\d)$", RegexOptions.IgnoreCase)]
    private static partial Regex HeadingStyle();
}
