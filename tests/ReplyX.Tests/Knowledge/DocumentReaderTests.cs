using System.Text;
using ReplyX.Knowledge;

namespace ReplyX.Tests.Knowledge;

public sealed class DocumentReaderTests
{
    static DocumentReaderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public void A_pdf_gives_its_text_in_reading_order_with_page_numbers()
    {
        var pdf = TestDocuments.Pdf(
            ["Условия доставки", "", "Курьер привозит заказ на следующий день.", "Стоимость доставки по городу 300 рублей."],
            ["Returns", "", "You may return goods within 14 days."]);

        var doc = DocumentReader.Read(FileFormat.Pdf, pdf);

        Assert.Equal(2, doc.Pages);
        var text = string.Join("\n", doc.Blocks.Select(b => b.Text));
        Assert.Contains("Стоимость доставки по городу 300 рублей.", text);
        Assert.True(text.IndexOf("Курьер", StringComparison.Ordinal) < text.IndexOf("Стоимость", StringComparison.Ordinal));
        Assert.Equal(1, doc.Blocks.First(b => b.Text.Contains("Курьер", StringComparison.Ordinal)).Page);
        Assert.Equal(2, doc.Blocks.First(b => b.Text.Contains("14 days", StringComparison.Ordinal)).Page);
    }

    [Fact]
    public void A_pdf_without_a_text_layer_fails_with_a_clear_reason()
    {
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentReader.Read(FileFormat.Pdf, TestDocuments.PdfWithoutText(3)));
        Assert.Contains("no text layer", ex.Message);
        Assert.Contains("3 page", ex.Message);
    }

    [Fact]
    public void A_docx_keeps_headings_lists_and_table_rows()
    {
        var docx = TestDocuments.Docx(
            TestDocuments.Heading("Возврат товара", 1),
            TestDocuments.Text("Вернуть товар можно в течение 14 дней."),
            TestDocuments.Heading("Что нужно", 2),
            TestDocuments.ListItem("Чек или номер заказа"),
            TestDocuments.ListItem("Товар в исходной упаковке"),
            TestDocuments.Table(["Способ оплаты", "Срок возврата денег"], ["Карта", "до 10 дней"]));

        var blocks = DocumentReader.Read(FileFormat.Docx, docx).Blocks;

        Assert.Equal(
        [
            (BlockKind.Heading, "Возврат товара", 1),
            (BlockKind.Paragraph, "Вернуть товар можно в течение 14 дней.", 0),
            (BlockKind.Heading, "Что нужно", 2),
            (BlockKind.ListItem, "Чек или номер заказа", 0),
            (BlockKind.ListItem, "Товар в исходной упаковке", 0),
            (BlockKind.TableRow, "Способ оплаты | Срок возврата денег", 0),
            (BlockKind.TableRow, "Карта | до 10 дней", 0),
        ], blocks.Select(b => (b.Kind, b.Text, b.Level)));
    }

    [Fact]
    public void A_docx_zip_bomb_is_refused_before_it_is_unpacked()
    {
        var bomb = TestDocuments.WithEntry(TestDocuments.Docx(TestDocuments.Text("x")), "word/media/filler.bin", s => s.Write(new byte[40 * 1024 * 1024]));
        Assert.True(bomb.Length < 1024 * 1024);
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentReader.Read(FileFormat.Docx, bomb));
        Assert.Contains("zip bomb", ex.Message);
    }

    [Fact]
    public void A_docx_declaring_xml_entities_is_refused()
    {
        const string Xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>
            """;
        var docx = TestDocuments.WithEntry(TestDocuments.Docx(TestDocuments.Text("x")), "word/document.xml", s => s.Write(Encoding.UTF8.GetBytes(Xml)));
        var ex = Assert.Throws<DocumentRejectedException>(() => DocumentReader.Read(FileFormat.Docx, docx));
        Assert.Contains("entities", ex.Message);
    }

    [Fact]
    public void Markdown_keeps_its_structure_and_plain_text_its_paragraphs()
    {
        var md = DocumentReader.Read(FileFormat.Markdown, TestDocuments.Utf8("""
            # Тарифы

            Тариф **«Базовый»** стоит 500 ₽ в месяц.

            ## Подключение

            - Заявка на сайте
            - Визит мастера

            | Тариф | Скорость |
            |---|---|
            | Базовый | 100 Мбит/с |
            """)).Blocks;
        Assert.Equal(
        [
            (BlockKind.Heading, "Тарифы"), (BlockKind.Paragraph, "Тариф «Базовый» стоит 500 ₽ в месяц."), (BlockKind.Heading, "Подключение"),
            (BlockKind.ListItem, "- Заявка на сайте"), (BlockKind.ListItem, "- Визит мастера"),
            (BlockKind.TableRow, "Тариф | Скорость"), (BlockKind.TableRow, "Базовый | 100 Мбит/с"),
        ], md.Select(b => (b.Kind, b.Text)));

        var text = DocumentReader.Read(FileFormat.Text, Encoding.GetEncoding(1251).GetBytes("Первый абзац\nпродолжается.\r\n\r\n- пункт один\n- пункт два\n"));
        Assert.Equal("windows-1251", text.Encoding);
        Assert.Equal([(BlockKind.Paragraph, "Первый абзац продолжается."), (BlockKind.ListItem, "- пункт один"), (BlockKind.ListItem, "- пункт два")],
            text.Blocks.Select(b => (b.Kind, b.Text)));
    }

    [Fact]
    public void A_document_with_no_text_fails()
    {
        Assert.Contains("no text", Assert.Throws<DocumentRejectedException>(() => DocumentReader.Read(FileFormat.Text, TestDocuments.Utf8(" \n\n \t"))).Message);
        Assert.Contains("no text", Assert.Throws<DocumentRejectedException>(() => DocumentReader.Read(FileFormat.Docx, TestDocuments.Docx())).Message);
    }
}
