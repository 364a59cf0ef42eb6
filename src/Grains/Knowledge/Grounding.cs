using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ReplyX.Assistants;

namespace ReplyX.Knowledge;

public enum GroundingKind
{
    /// <summary>The assistant has no searchable document: it answers from its prompt alone.</summary>
    NoKnowledge,
    /// <summary>Relevant passages were found: the answer must come from them.</summary>
    Passages,
    /// <summary>The assistant has documents but none answers the question: say so instead of guessing.</summary>
    NothingFound,
}

/// <summary>
/// What retrieval means for one answer: the passages put in the prompt with the instruction to answer only from
/// them and to cite them as [n], the sources of the answer (the cited passages), and the answers given without a
/// model (a quote of the best passage, or "not in the documents").
/// </summary>
public sealed partial class Grounding
{
    public const int MaxPassages = 4;

    private Grounding(GroundingKind kind, IReadOnlyList<SearchHit> passages, string language, bool canQuote = false)
    {
        Kind = kind;
        Passages = passages;
        Language = language;
        CanQuote = canQuote;
    }

    /// <summary>The best passage is strong enough evidence to be quoted as the answer when no model can be asked.</summary>
    public bool CanQuote { get; }

    public GroundingKind Kind { get; }

    public IReadOnlyList<SearchHit> Passages { get; }

    /// <summary>The customer's language (told by the question), for the texts said without a model.</summary>
    public string Language { get; }

    public static Grounding None { get; } = new(GroundingKind.NoKnowledge, [], "ru");

    public static Grounding From(SearchResult result, string question, RetrievalSettings settings)
    {
        var language = LanguageDetector.Detect(question);
        if (!result.HasDocuments)
        {
            return new Grounding(GroundingKind.NoKnowledge, [], language);
        }
        var relevant = result.Hits.Where(h => h.Relevant).Take(MaxPassages).ToList();
        return new Grounding(relevant.Count > 0 ? GroundingKind.Passages : GroundingKind.NothingFound, relevant, language,
            relevant.Count > 0 && relevant.Max(h => h.Evidence) >= settings.QuoteMinScore);
    }

    /// <summary>The block appended to the assistant's system prompt.</summary>
    public string? Instructions()
    {
        if (Kind != GroundingKind.Passages)
        {
            return null;
        }
        var sb = new StringBuilder();
        sb.Append("Answer the customer only from the numbered passages of the company's documents below. ")
            .Append("Cite the passages you used as [1], [2]. If the passages do not contain the answer, say that you do not know ")
            .Append("and offer to connect a human operator; never invent facts. Answer in the customer's language.\n");
        for (var i = 0; i < Passages.Count; i++)
        {
            var p = Passages[i];
            sb.Append('\n').Append('[').Append(i + 1).Append("] ").Append(Describe(p.Source, "en")).Append('\n').Append(p.Text).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The model's answer without its [n] markers, and the sources it cited (all passages when it cited none).</summary>
    public (string Text, IReadOnlyList<KnowledgeSource> Sources) Cited(string answer)
    {
        if (Kind != GroundingKind.Passages)
        {
            return (answer, []);
        }
        var cited = new List<int>();
        foreach (Match m in Citation().Matches(answer))
        {
            foreach (var n in m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1 && i <= Passages.Count && !cited.Contains(i))
                {
                    cited.Add(i);
                }
            }
        }
        var text = Spaces().Replace(Citation().Replace(answer, ""), " ").Replace(" .", ".").Replace(" ,", ",").Trim();
        var sources = (cited.Count > 0 ? cited.Select(i => Passages[i - 1]) : Passages).Select(p => p.Source).Distinct().ToList();
        return (text.Length > 0 ? text : answer, sources);
    }

    /// <summary>The answer when no model can be asked: the best passage, marked as a quote with its source.</summary>
    public (string Text, IReadOnlyList<KnowledgeSource> Sources) Quote()
    {
        var best = Passages.MaxBy(p => p.Evidence)!;
        var text = ReplyTexts.QuoteIntro(Language) + "\n\n«" + best.Text.Trim() + "»\n\n— " + Describe(best.Source, Language);
        return (text, [best.Source]);
    }

    public string NothingFoundText() => ReplyTexts.NotInDocuments(Language);

    public static string Describe(KnowledgeSource s, string language)
    {
        var sb = new StringBuilder(s.FileName);
        if (!string.IsNullOrEmpty(s.Heading))
        {
            sb.Append(", ").Append(s.Heading);
        }
        if (s.Page is { } page)
        {
            sb.Append(", ").Append(ReplyTexts.PageAbbreviation(language)).Append(' ').Append(page);
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\s?\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")]
    private static partial Regex Citation();

    [GeneratedRegex(@"[ \t]{2,}")]
    private static partial Regex Spaces();
}

/// <summary>An answer's sources as stored with its message (a JSON array; null when it has none).</summary>
public static class SourcesJson
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static string? Write(IReadOnlyList<KnowledgeSource>? sources) =>
        sources is { Count: > 0 } ? System.Text.Json.JsonSerializer.Serialize(sources, Options) : null;

    public static IReadOnlyList<KnowledgeSource>? Read(string? json) =>
        json is null ? null : System.Text.Json.JsonSerializer.Deserialize<KnowledgeSource[]>(json, Options);
}
