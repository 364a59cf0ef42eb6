using ReplyX.Knowledge;

namespace ReplyX.Tests.Knowledge;

public sealed class ChunkerTests
{
    private static DocumentBlock H(string text, int level) => new(BlockKind.Heading, text, level);

    private static DocumentBlock P(string text, int? page = null) => new(BlockKind.Paragraph, text, Page: page);

    private static string Sentence(int i) => $"Предложение номер {i} рассказывает о доставке заказов курьером.";

    [Fact]
    public void A_heading_starts_a_chunk_and_names_its_section()
    {
        var chunks = Chunker.Split(new ExtractedDocument([H("Доставка", 1), P("Курьер привозит заказ."), H("Сроки", 2), P("Один день."), H("Возврат", 1), P("14 дней.")], 0));

        Assert.Equal(
        [
            ("Доставка", "Курьер привозит заказ."), ("Доставка > Сроки", "Один день."), ("Возврат", "14 дней."),
        ], chunks.Select(c => (c.HeadingPath!, c.Text)));
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Position));
        Assert.Equal("Доставка > Сроки\nОдин день.", chunks[1].SearchText);
    }

    [Fact]
    public void List_items_and_table_rows_are_never_cut_and_chunks_stay_within_the_budget()
    {
        var items = Enumerable.Range(1, 40).Select(i => new DocumentBlock(BlockKind.ListItem, $"- Пункт {i}: забрать заказ можно в пункте выдачи номер {i}")).ToList();
        var chunks = Chunker.Split(new ExtractedDocument([H("Пункты выдачи", 1), .. items], 0), new ChunkingOptions(60, 15));

        Assert.True(chunks.Count > 3);
        Assert.All(chunks, c => Assert.True(c.Tokens <= 60, $"{c.Tokens} tokens"));
        foreach (var item in items)
        {
            Assert.Contains(chunks, c => c.Text.Split('\n').Contains(item.Text)); // whole, in some chunk
        }
        Assert.All(chunks, c => Assert.Equal("Пункты выдачи", c.HeadingPath));
    }

    [Fact]
    public void A_long_paragraph_is_cut_at_sentences_with_overlap()
    {
        var paragraph = string.Join(" ", Enumerable.Range(1, 30).Select(Sentence));
        var chunks = Chunker.Split(new ExtractedDocument([P(paragraph, page: 3)], 1), new ChunkingOptions(50, 15));

        Assert.True(chunks.Count >= 4);
        Assert.All(chunks, c => Assert.EndsWith(".", c.Text));
        Assert.All(chunks, c => Assert.Equal(3, c.Page));
        for (var i = 1; i < chunks.Count; i++)
        {
            var lastOfPrevious = Chunker.Sentences(chunks[i - 1].Text)[^1];
            Assert.StartsWith(lastOfPrevious, chunks[i].Text); // the overlap: the previous chunk's last sentence
        }
        foreach (var i in Enumerable.Range(1, 30))
        {
            Assert.Contains(chunks, c => c.Text.Contains(Sentence(i), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Pages_follow_the_text()
    {
        var blocks = Enumerable.Range(1, 6).Select(i => P(string.Join(" ", Enumerable.Range(1, 4).Select(Sentence)), page: i)).ToList();
        var chunks = Chunker.Split(new ExtractedDocument(blocks, 6), new ChunkingOptions(70, 0));
        Assert.Equal(Enumerable.Range(1, 6).Cast<int?>(), chunks.Select(c => c.Page).Distinct());
    }

    [Theory]
    [InlineData("Доставка заказов курьером по городу", "ru")]
    [InlineData("How do I reset my password?", "en")]
    [InlineData("Тариф Internet 500 стоит 500 рублей", "ru")]
    public void Language_is_told_by_the_alphabet(string text, string language) => Assert.Equal(language, LanguageDetector.Detect(text));
}
