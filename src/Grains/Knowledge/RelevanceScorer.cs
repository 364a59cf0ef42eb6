namespace ReplyX.Knowledge;

/// <summary>
/// Absolute evidence that a passage answers a question, where the fused rank only orders passages: the share
/// of the question's stems the passage contains, the mean best trigram similarity of the question's words to
/// the passage's words (word forms stemming misses), and the vectors' cosine.
/// </summary>
public static class RelevanceScorer
{
    public static double StemCoverage(IReadOnlySet<string> questionStems, string passage)
    {
        if (questionStems.Count == 0)
        {
            return 0;
        }
        var stems = LexicalAnalysis.Stems(passage);
        return questionStems.Count(stems.Contains) / (double)questionStems.Count;
    }

    /// <summary>Like pg_trgm's word similarity, averaged over the question's content words (3 letters or more).</summary>
    public static double WordSimilarity(IReadOnlyList<string> questionWords, string passage)
    {
        var words = questionWords.Where(w => w.Length >= 4).Distinct().ToList();
        if (words.Count == 0)
        {
            return 0;
        }
        var passageTrigrams = LexicalAnalysis.Terms(LexicalAnalysis.Words, passage)
            .Where(w => w.Length >= 3).Distinct().Select(Trigrams).ToList();
        double sum = 0;
        foreach (var word in words)
        {
            var q = Trigrams(word);
            double best = 0;
            foreach (var p in passageTrigrams)
            {
                var common = q.Count(p.Contains);
                best = Math.Max(best, common / (double)(q.Count + p.Count - common));
            }
            sum += best;
        }
        return sum / words.Count;
    }

    /// <summary>The content words of a question: lower-cased, minus each language's stop words.</summary>
    public static List<string> ContentWords(string question)
    {
        var stems = LexicalAnalysis.Stems(question);
        return LexicalAnalysis.Terms(LexicalAnalysis.Words, question)
            .Where(w => stems.Any(s => w.StartsWith(s, StringComparison.Ordinal)))
            .ToList();
    }

    private static HashSet<string> Trigrams(string word)
    {
        var padded = "  " + word + " ";
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 3 <= padded.Length; i++)
        {
            set.Add(padded.Substring(i, 3));
        }
        return set;
    }
}
