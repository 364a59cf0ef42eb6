using System.Text;
using System.Text.RegularExpressions;

namespace ReplyX.Knowledge;

/// <summary>A passage as it is indexed: its place in the document (heading path, page, position) and its text.</summary>
public sealed record DocumentChunk(int Position, string? HeadingPath, int? Page, string Text, int Tokens)
{
    /// <summary>What retrieval matches: the headings carry the topic words a paragraph often leaves out.</summary>
    public string SearchText => Searchable(HeadingPath, Text);

    public static string Searchable(string? headingPath, string text) => headingPath is null ? text : headingPath + "\n" + text;
}

public sealed record ChunkingOptions(int MaxTokens, int OverlapTokens)
{
    /// <summary>Sized for MiniLM's 256-token window, with room for the heading path.</summary>
    public static ChunkingOptions Default { get; } = new(180, 40);
}

/// <summary>
/// Structure-aware chunking: a heading starts a new chunk and stays with its section; list items and table
/// rows are never cut unless one alone is longer than a chunk (then it is split at sentences); neighbouring
/// chunks of one section overlap by whole sentences.
/// </summary>
public static partial class Chunker
{
    public static IReadOnlyList<DocumentChunk> Split(ExtractedDocument document, ChunkingOptions? options = null)
    {
        var o = options ?? ChunkingOptions.Default;
        var chunks = new List<DocumentChunk>();
        var headings = new List<(int Level, string Text)>();
        var current = new List<string>();
        var tokens = 0;
        int? page = null;
        var fresh = false; // something beyond the previous chunk's overlap

        void Flush(bool keepOverlap)
        {
            if (!fresh)
            {
                return;
            }
            fresh = false;
            var path = headings.Count == 0 ? null : string.Join(" > ", headings.Select(h => h.Text));
            chunks.Add(new DocumentChunk(chunks.Count, path, page, string.Join("\n", current), tokens));
            var overlap = keepOverlap ? Overlap(current, o.OverlapTokens) : [];
            current.Clear();
            current.AddRange(overlap);
            tokens = overlap.Sum(Tokens);
        }

        foreach (var block in document.Blocks)
        {
            if (block.Kind == BlockKind.Heading)
            {
                Flush(keepOverlap: false);
                current.Clear();
                tokens = 0;
                fresh = false;
                headings.RemoveAll(h => h.Level >= block.Level);
                headings.Add((block.Level, block.Text));
                page = block.Page;
                continue;
            }
            if (block.Page != page && current.Count > 0 && tokens >= o.MaxTokens / 2)
            {
                Flush(keepOverlap: true); // a new page starts a new chunk once the current one has some substance
            }
            // A block longer than a chunk is cut into pieces that leave room for the overlap carried from the piece before.
            var pieces = Tokens(block.Text) <= o.MaxTokens ? [block.Text] : SplitLong(block.Text, Math.Max(8, o.MaxTokens - o.OverlapTokens));
            foreach (var piece in pieces)
            {
                var cost = Tokens(piece);
                if (tokens + cost > o.MaxTokens && current.Count > 0)
                {
                    Flush(keepOverlap: true);
                    if (tokens + cost > o.MaxTokens)
                    {
                        current.Clear();
                        tokens = 0;
                    }
                }
                if (current.Count == 0)
                {
                    page = block.Page;
                }
                page ??= block.Page;
                current.Add(piece);
                tokens += cost;
                fresh = true;
            }
        }
        Flush(keepOverlap: false);
        return chunks;
    }

    /// <summary>The last whole sentences of a chunk, up to the overlap budget.</summary>
    private static List<string> Overlap(List<string> parts, int budget)
    {
        if (budget <= 0)
        {
            return [];
        }
        var sentences = Sentences(parts[^1]);
        var picked = new List<string>();
        var used = 0;
        for (var i = sentences.Count - 1; i >= 0; i--)
        {
            var cost = Tokens(sentences[i]);
            if (used + cost > budget)
            {
                break;
            }
            picked.Insert(0, sentences[i]);
            used += cost;
        }
        return picked.Count == 0 ? [] : [string.Join(" ", picked)];
    }

    /// <summary>A block longer than a chunk, cut at sentence ends (a sentence longer than a chunk at word ends).</summary>
    private static List<string> SplitLong(string text, int max)
    {
        var pieces = new List<string>();
        var sb = new StringBuilder();
        var used = 0;
        foreach (var sentence in Sentences(text).SelectMany(s => Tokens(s) <= max ? [s] : Words(s, max)))
        {
            var cost = Tokens(sentence);
            if (used + cost > max && sb.Length > 0)
            {
                pieces.Add(sb.ToString().Trim());
                sb.Clear();
                used = 0;
            }
            sb.Append(sentence).Append(' ');
            used += cost;
        }
        if (sb.Length > 0)
        {
            pieces.Add(sb.ToString().Trim());
        }
        return pieces;
    }

    private static IEnumerable<string> Words(string sentence, int max)
    {
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var perPiece = Math.Max(1, (int)(max / 1.4));
        for (var i = 0; i < words.Length; i += perPiece)
        {
            yield return string.Join(' ', words.Skip(i).Take(perPiece));
        }
    }

    public static List<string> Sentences(string text) =>
        SentenceEnd().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>A word-piece estimate: about 1.4 tokens per word in English, more for long (Russian) words.</summary>
    public static int Tokens(string text)
    {
        var count = 0;
        foreach (var word in text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            count += 1 + word.Length / 6;
        }
        return count;
    }

    [GeneratedRegex(@"(?<=[.!?…])\s+(?=[\p{Lu}\d«""(])")]
    private static partial Regex SentenceEnd();
}

/// <summary>Russian or English, by which alphabet has more letters.</summary>
public static class LanguageDetector
{
    public static string Detect(string text)
    {
        int cyrillic = 0, latin = 0;
        foreach (var ch in text.AsSpan(0, Math.Min(text.Length, 20_000)))
        {
            if (ch is >= '\u0400' and <= '\u04FF')
            {
                cyrillic++;
            }
            else if (ch is >= 'a' and <= 'z' or >= 'A' and <= 'Z')
            {
                latin++;
            }
        }
        return cyrillic >= latin && cyrillic > 0 ? "ru" : "en";
    }
}
