using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.NGram;
using Lucene.Net.Analysis.Ru;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;

namespace ReplyX.Knowledge;

/// <summary>
/// Lucene's analysers: Russian (Snowball stemmer, stop words) and English (Porter), and word trigrams for the
/// word forms stemming misses. Shared by the in-memory index and by relevance scoring on every path.
/// </summary>
public static class LexicalAnalysis
{
    public const LuceneVersion Version = LuceneVersion.LUCENE_48;

    public static Analyzer Russian { get; } = new RussianAnalyzer(Version);

    public static Analyzer English { get; } = new EnglishAnalyzer(Version);

    /// <summary>Lower-cased words cut into their 3-letter pieces.</summary>
    public static Analyzer Trigrams { get; } = Analyzer.NewAnonymous((_, reader) =>
    {
        var tokenizer = new StandardTokenizer(Version, reader);
        TokenStream stream = new LowerCaseFilter(Version, tokenizer);
        stream = new NGramTokenFilter(Version, stream, 3, 3);
        return new TokenStreamComponents(tokenizer, stream);
    });

    /// <summary>Lower-cased words, no stemming, no stop words.</summary>
    public static Analyzer Words { get; } = Analyzer.NewAnonymous((_, reader) =>
    {
        var tokenizer = new StandardTokenizer(Version, reader);
        TokenStream stream = new LowerCaseFilter(Version, tokenizer);
        stream = new LengthFilter(Version, stream, 2, 64);
        return new TokenStreamComponents(tokenizer, stream);
    });

    public static Analyzer For(string language) => language == "ru" ? Russian : English;

    public static List<string> Terms(Analyzer analyzer, string text)
    {
        var terms = new List<string>();
        using var stream = analyzer.GetTokenStream("f", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(term.ToString());
        }
        stream.End();
        return terms;
    }

    /// <summary>The query's stems in both languages (a Russian question may name an English product and back).</summary>
    public static HashSet<string> Stems(string text) => [.. Terms(Russian, text), .. Terms(English, text)];
}
