using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using LDocument = Lucene.Net.Documents.Document;

namespace ReplyX.Knowledge;

/// <summary>
/// One assistant's active chunks in a Lucene index in memory: a field per language (Russian and English
/// analysers, BM25) and a trigram field. Thread-safe: Lucene's writer and near-real-time readers are.
/// </summary>
public sealed class LuceneIndex : IDisposable
{
    private static readonly Analyzer FieldAnalyzers = new PerFieldAnalyzerWrapper(LexicalAnalysis.English,
        new Dictionary<string, Analyzer> { ["ru"] = LexicalAnalysis.Russian, ["en"] = LexicalAnalysis.English, ["tri"] = LexicalAnalysis.Trigrams });

    private readonly RAMDirectory _directory = new();
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;

    public LuceneIndex()
    {
        _writer = new IndexWriter(_directory, new IndexWriterConfig(LexicalAnalysis.Version, FieldAnalyzers) { Similarity = new BM25Similarity() });
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, null);
    }

    /// <summary>Replaces a document's chunks.</summary>
    public void Put(Guid documentId, string language, IEnumerable<DocumentChunk> chunks)
    {
        var id = documentId.ToString("N");
        _writer.DeleteDocuments(new Term("doc", id));
        foreach (var chunk in chunks)
        {
            var text = chunk.SearchText;
            _writer.AddDocument(new LDocument
            {
                new StringField("doc", id, Field.Store.YES),
                new StoredField("pos", chunk.Position),
                new TextField(language == "ru" ? "ru" : "en", text, Field.Store.NO),
                new TextField("tri", text, Field.Store.NO),
            });
        }
        _writer.Commit();
        _searchers.MaybeRefreshBlocking();
    }

    public void Remove(Guid documentId)
    {
        _writer.DeleteDocuments(new Term("doc", documentId.ToString("N")));
        _writer.Commit();
        _searchers.MaybeRefreshBlocking();
    }

    /// <summary>BM25 over the stemmed fields: the query analysed by both languages' analysers.</summary>
    public IReadOnlyList<RankedChunk> FullText(string query, int limit, Func<Guid, bool> searchable)
    {
        var q = new BooleanQuery();
        foreach (var term in LexicalAnalysis.Terms(LexicalAnalysis.Russian, query).Distinct())
        {
            q.Add(new TermQuery(new Term("ru", term)), Occur.SHOULD);
        }
        foreach (var term in LexicalAnalysis.Terms(LexicalAnalysis.English, query).Distinct())
        {
            q.Add(new TermQuery(new Term("en", term)), Occur.SHOULD);
        }
        return Run(q, limit, searchable);
    }

    public IReadOnlyList<RankedChunk> Trigram(string query, int limit, Func<Guid, bool> searchable)
    {
        var q = new BooleanQuery();
        foreach (var term in LexicalAnalysis.Terms(LexicalAnalysis.Trigrams, query).Distinct())
        {
            q.Add(new TermQuery(new Term("tri", term)), Occur.SHOULD);
        }
        return Run(q, limit, searchable);
    }

    private List<RankedChunk> Run(BooleanQuery query, int limit, Func<Guid, bool> searchable)
    {
        if (query.Clauses.Count == 0)
        {
            return [];
        }
        var searcher = _searchers.Acquire();
        try
        {
            searcher.Similarity = new BM25Similarity();
            var hits = new List<RankedChunk>(limit);
            // Over-fetch: disabled documents stay in the index until they are enabled again or deleted.
            foreach (var hit in searcher.Search(query, limit * 3).ScoreDocs)
            {
                var stored = searcher.Doc(hit.Doc);
                var doc = Guid.ParseExact(stored.Get("doc"), "N");
                if (searchable(doc))
                {
                    hits.Add(new RankedChunk(new ChunkKey(doc, stored.GetField("pos").GetInt32Value() ?? 0), hit.Score));
                    if (hits.Count == limit)
                    {
                        break;
                    }
                }
            }
            return hits;
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    public void Dispose()
    {
        _searchers.Dispose();
        _writer.Dispose();
        _directory.Dispose();
    }
}
