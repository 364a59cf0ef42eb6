using Microsoft.Extensions.Options;
using ReplyX.Knowledge;

namespace ReplyX.Tests.Knowledge;

/// <summary>Questions that arrive while the local model is busy are embedded together, and each caller still gets its own text's vector.</summary>
public sealed class LocalEmbedderTests
{
    /// <summary>A model that takes a while per run and records how many texts each run had (our own interface, not a client library).</summary>
    private sealed class SlowModel : ISentenceModel
    {
        public System.Collections.Concurrent.ConcurrentQueue<int> Runs { get; } = new();

        public string Model => "slow";

        public bool Supports(string language) => true;

        public static float[] VectorOf(string text) => [text.Length, text.Sum(c => c) % 97, 1];

        public float[][] Embed(IReadOnlyList<string> texts)
        {
            Runs.Enqueue(texts.Count);
            Thread.Sleep(20); // CPU-bound in reality: the point is that the model is busy meanwhile
            return texts.Select(VectorOf).ToArray();
        }
    }

    [Fact]
    public async Task Concurrent_questions_share_model_runs_and_each_gets_its_own_vector()
    {
        var model = new SlowModel();
        var embedder = new LocalEmbedder(model, new IndexingWorkers(Options.Create(new KnowledgeOptions())));
        var questions = Enumerable.Range(0, 40).Select(i => $"question number {i} {new string('x', i)}").ToArray();

        var vectors = await Task.WhenAll(questions.Select(q => embedder.Embed([q], new EmbeddingUse(null, Indexing: false))));

        for (var i = 0; i < questions.Length; i++)
        {
            Assert.Equal(SlowModel.VectorOf(questions[i]), Assert.Single(vectors[i]));
        }
        Assert.Equal(40, model.Runs.Sum());
        Assert.True(model.Runs.Count < 40, $"{model.Runs.Count} model runs for 40 questions");
        Assert.True(model.Runs.Max() > 1);
        Assert.Equal(model.Runs.Count, embedder.QuestionBatches);
    }

    [Fact]
    public async Task A_lone_question_runs_at_once_and_a_document_batch_runs_whole()
    {
        var model = new SlowModel();
        var embedder = new LocalEmbedder(model, new IndexingWorkers(Options.Create(new KnowledgeOptions())));

        var one = await embedder.Embed(["alone"], new EmbeddingUse(null, Indexing: false));
        var chunks = await embedder.Embed(["a", "bb", "ccc"], new EmbeddingUse(Guid.NewGuid(), Indexing: true));

        Assert.Equal(SlowModel.VectorOf("alone"), Assert.Single(one));
        Assert.Equal(new[] { "a", "bb", "ccc" }.Select(SlowModel.VectorOf), chunks);
        Assert.Equal([1, 3], model.Runs);
    }
}
