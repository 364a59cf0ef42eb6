using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReplyX.Knowledge;
using ReplyX.Tests.Infrastructure;
using ReplyX.Tests.Knowledge;

namespace ReplyX.Tests.Api;

public sealed class InMemoryKnowledgeApiTests(MemoryApp app) : KnowledgeApiContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresKnowledgeApiTests(PostgresApp app) : KnowledgeApiContract(app), IClassFixture<PostgresApp>;

/// <summary>Documents through HTTP: upload, processing to ready, retrieval, replacement, grounded and offline answers with their sources.</summary>
public abstract class KnowledgeApiContract(AppFixture app)
{
    private const string Delivery = """
        # Доставка

        Курьерская доставка по Москве в пределах МКАД стоит 300 рублей и занимает один день.

        ## Пункты выдачи

        Заказ хранится в пункте выдачи семь дней.

        # Returns

        You can return any item within 14 days of delivery for a full refund.
        """;

    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null) => _client.SendAs(method, path, token, body);

    private async Task<Guid> Assistant(string token, string model = "gpt-4o-mini", string language = "ru") =>
        (await (await Send(HttpMethod.Post, "/api/assistants", token, new { name = "KB", systemPrompt = "Помогай клиентам.", model, language })).JsonBody()).GetProperty("id").GetGuid();

    private Task<HttpResponseMessage> Upload(string token, string path, string name, byte[] content, HttpMethod? method = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", name);
        var request = new HttpRequestMessage(method ?? HttpMethod.Post, path) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _client.SendAsync(request);
    }

    /// <summary>Polls the document until it leaves processing (deadline: a minute, the first embedding loads the model).</summary>
    private async Task<JsonElement> Processed(string token, Guid id, int version = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var doc = await (await Send(HttpMethod.Get, $"/api/documents/{id}", token)).JsonBody();
            if (doc.GetProperty("status").GetString() != "processing" && doc.GetProperty("version").GetInt32() == version)
            {
                return doc;
            }
            Assert.True(DateTime.UtcNow < deadline, "still processing: " + doc);
            await Task.Delay(100);
        }
    }

    private async Task<(string Token, Guid Assistant, Guid Document)> Ready(string model = "gpt-4o-mini")
    {
        var owner = await _client.RegisterOwner("kb");
        var assistant = await Assistant(owner, model);
        var upload = await Upload(owner, $"/api/assistants/{assistant}/documents", "доставка.md", TestDocuments.Utf8(Delivery));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var accepted = await upload.JsonBody();
        Assert.Equal("processing", accepted.GetProperty("status").GetString());
        var id = accepted.GetProperty("id").GetGuid();
        var ready = await Processed(owner, id);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.True(ready.GetProperty("searchable").GetBoolean());
        Assert.Equal(ready.GetProperty("chunksTotal").GetInt32(), ready.GetProperty("chunksDone").GetInt32());
        Assert.Equal("ru", ready.GetProperty("language").GetString());
        return (owner, assistant, id);
    }

    [Fact]
    public async Task An_uploaded_document_becomes_ready_and_is_searched_with_each_retrievers_score()
    {
        var (owner, assistant, id) = await Ready();

        var list = await (await Send(HttpMethod.Get, $"/api/assistants/{assistant}/documents", owner)).JsonBody();
        Assert.Equal([id], list.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        var search = await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/search", owner, new { query = "сколько стоит доставка курьером по Москве" })).JsonBody();
        var top = search.GetProperty("hits")[0];
        Assert.Contains("300 рублей", top.GetProperty("text").GetString());
        Assert.Equal("доставка.md", top.GetProperty("source").GetProperty("fileName").GetString());
        Assert.Equal("Доставка", top.GetProperty("source").GetProperty("heading").GetString());
        Assert.True(top.GetProperty("relevant").GetBoolean());
        Assert.True(top.GetProperty("scores").GetProperty("fullText").GetDouble() > 0);

        var other = await _client.RegisterOwner("kb-other");
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/documents/{id}", other)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/assistants/{assistant}/documents", other)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/search", other, new { query = "доставка" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Upload(other, $"/api/assistants/{assistant}/documents", "x.txt", TestDocuments.Utf8("текст"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Upload(other, $"/api/documents/{id}", "x.txt", TestDocuments.Utf8("текст"), HttpMethod.Put)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/api/documents/{id}", other)).StatusCode);
    }

    [Fact]
    public async Task Replacing_keeps_the_id_and_swaps_the_text_and_disable_and_delete_take_it_out_of_search()
    {
        var (owner, assistant, id) = await Ready();
        var replaced = await Upload(owner, $"/api/documents/{id}", "тарифы.txt", TestDocuments.Utf8("Тариф Максимум стоит тысячу рублей в месяц."), HttpMethod.Put);
        Assert.Equal(HttpStatusCode.Accepted, replaced.StatusCode);
        Assert.Equal(id, (await replaced.JsonBody()).GetProperty("id").GetGuid());
        var ready = await Processed(owner, id, version: 2);
        Assert.Equal(("ready", "тарифы.txt", "text"), (ready.GetProperty("status").GetString(), ready.GetProperty("fileName").GetString(), ready.GetProperty("format").GetString()));

        async Task<string[]> Texts(string query) => (await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/search", owner, new { query })).JsonBody())
            .GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("text").GetString()!).ToArray();
        Assert.Contains(await Texts("тариф максимум"), t => t.Contains("тысячу", StringComparison.Ordinal));
        Assert.DoesNotContain(await Texts("доставка курьером москва"), t => t.Contains("300 рублей", StringComparison.Ordinal));

        var disabled = await (await Send(HttpMethod.Patch, $"/api/documents/{id}", owner, new { enabled = false })).JsonBody();
        Assert.False(disabled.GetProperty("searchable").GetBoolean());
        Assert.Empty(await Texts("тариф максимум"));
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Patch, $"/api/documents/{id}", owner, new { })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/documents/{id}", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/documents/{id}", owner)).StatusCode);
        Assert.Empty((await (await Send(HttpMethod.Get, $"/api/assistants/{assistant}/documents", owner)).JsonBody()).EnumerateArray());
    }

    [Theory]
    [InlineData("photo.pdf", "png", 415, "PNG image")]
    [InlineData("report.pdf", "text", 415, "content is text")]
    [InlineData("virus.exe", "text", 415, "not supported")]
    [InlineData("empty.txt", "empty", 422, "empty")]
    [InlineData("scan.pdf", "scan", 202, "no text layer")]
    public async Task Refused_files_get_a_problem_with_the_reason(string name, string content, int status, string reason)
    {
        var owner = await _client.RegisterOwner("kb-bad");
        var assistant = await Assistant(owner);
        byte[] bytes = content switch
        {
            "png" => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3],
            "empty" => [],
            "scan" => TestDocuments.PdfWithoutText(2),
            _ => TestDocuments.Utf8("обычный текст"),
        };
        var response = await Upload(owner, $"/api/assistants/{assistant}/documents", name, bytes);
        Assert.Equal(status, (int)response.StatusCode);
        var body = await response.JsonBody();
        if (status == 202)
        {
            // The type is right; the content fails while processing, with the reason on the document.
            var failed = await Processed(owner, body.GetProperty("id").GetGuid());
            Assert.Equal("failed", failed.GetProperty("status").GetString());
            Assert.Contains(reason, failed.GetProperty("error").GetString());
            return;
        }
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, body.GetProperty("detail").GetString());
        Assert.Empty((await (await Send(HttpMethod.Get, $"/api/assistants/{assistant}/documents", owner)).JsonBody()).EnumerateArray());
    }

    [Fact]
    public async Task A_grounded_answer_is_built_from_the_passages_and_cites_its_source()
    {
        var model = "kb-model-" + Guid.NewGuid().ToString("N")[..6];
        var key = "sk-kb-" + Guid.NewGuid().ToString("N");
        var admin = (await (await _client.PostAsJsonAsync("/api/auth/login", new { email = "root@replyx.test", password = "admin password for tests" })).JsonBody())
            .GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin,
            new { provider = "custom", apiKey = key, baseUrl = app.Fake.BaseUrl, models = new[] { model }, priority = 1 })).StatusCode);
        app.Fake.For(key).Content = "Доставка по Москве стоит 300 рублей [1].";
        var (owner, assistant, id) = await Ready(model);
        await Send(HttpMethod.Patch, $"/api/assistants/{assistant}", owner, new { model });

        var answer = await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/ask", owner, new { text = "Сколько стоит доставка курьером по Москве?" })).JsonBody();

        Assert.Equal("Доставка по Москве стоит 300 рублей.", answer.GetProperty("text").GetString());
        var source = Assert.Single(answer.GetProperty("sources").EnumerateArray());
        Assert.Equal((id, "доставка.md", "Доставка"), (source.GetProperty("documentId").GetGuid(), source.GetProperty("fileName").GetString(), source.GetProperty("heading").GetString()));
        var prompt = app.Fake.SystemPrompts.Last(p => p.Contains("доставка.md", StringComparison.Ordinal));
        Assert.Contains("only from the numbered passages", prompt);
        Assert.Contains("стоит 300 рублей и занимает один день", prompt);
    }

    [Fact]
    public async Task Without_a_model_the_best_passage_is_quoted_and_an_unrelated_question_is_told_so_in_its_language()
    {
        var (owner, assistant, id) = await Ready("no-such-model-" + Guid.NewGuid().ToString("N"));

        var quoted = await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/ask", owner, new { text = "Сколько стоит курьерская доставка по Москве?" })).JsonBody();
        Assert.True(quoted.GetProperty("offline").GetBoolean());
        Assert.StartsWith("Вот что сказано в наших документах", quoted.GetProperty("text").GetString());
        Assert.Contains("«Курьерская доставка по Москве в пределах МКАД стоит 300 рублей", quoted.GetProperty("text").GetString());
        Assert.Equal(id, Assert.Single(quoted.GetProperty("sources").EnumerateArray()).GetProperty("documentId").GetGuid());

        var russian = await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/ask", owner, new { text = "Какая завтра погода на Марсе?" })).JsonBody();
        Assert.StartsWith("Я не нашёл ответа на этот вопрос в наших документах", russian.GetProperty("text").GetString());
        Assert.Empty(russian.GetProperty("sources").EnumerateArray());
        var english = await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/ask", owner, new { text = "Which football team won yesterday?" })).JsonBody();
        Assert.StartsWith("I couldn't find an answer to this in our documents", english.GetProperty("text").GetString());
    }

    private const string Shop = "https://shop.example.com";

    private async Task<(string Token, string Key, Guid Assistant)> WidgetAssistant()
    {
        var model = "kb-dialog-" + Guid.NewGuid().ToString("N")[..6];
        var key = "sk-kbd-" + Guid.NewGuid().ToString("N");
        var admin = (await (await _client.PostAsJsonAsync("/api/auth/login", new { email = "root@replyx.test", password = "admin password for tests" })).JsonBody())
            .GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin,
            new { provider = "custom", apiKey = key, baseUrl = app.Fake.BaseUrl, models = new[] { model }, priority = 1 })).StatusCode);
        var owner = await _client.RegisterOwner("kb-widget");
        var created = await Send(HttpMethod.Post, "/api/assistants", owner,
            new { name = "Shop", systemPrompt = "Помогай.", model, language = "ru", widget = new { allowedOrigins = new[] { Shop } } });
        var assistant = (await created.JsonBody()).GetProperty("id").GetGuid();
        var upload = await (await Upload(owner, $"/api/assistants/{assistant}/documents", "доставка.md", TestDocuments.Utf8(Delivery))).JsonBody();
        Assert.Equal("ready", (await Processed(owner, upload.GetProperty("id").GetGuid())).GetProperty("status").GetString());
        return (owner, key, assistant);
    }

    [Fact]
    public async Task A_dialogs_answer_carries_its_sources_on_the_stream_and_in_the_transcript_and_an_off_topic_question_skips_the_model()
    {
        var (owner, key, assistant) = await WidgetAssistant();
        app.Fake.For(key).Content = "Заказ хранится семь дней [1].";
        var opened = new HttpRequestMessage(HttpMethod.Post, $"/api/widget/{assistant}/sessions") { Content = JsonContent.Create(new { }) };
        opened.Headers.Add("Origin", Shop);
        var session = await (await _client.SendAsync(opened)).JsonBody();
        var dialogId = session.GetProperty("dialogId").GetGuid();
        var token = session.GetProperty("sessionToken").GetString()!;
        var (stream, _) = await SseClient.Open(_client, $"/api/widget/dialogs/{dialogId}/events?token={token}", origin: Shop);
        await using var events = stream!;

        async Task<JsonElement> Answer(string text)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages") { Content = JsonContent.Create(new { text }) };
            post.Headers.Add("Origin", Shop);
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.Accepted, (await _client.SendAsync(post)).StatusCode);
            return (await events.NextOf("message", e => e.Json.GetProperty("author").GetString() == "assistant", TimeSpan.FromSeconds(30))).Json;
        }

        var answer = await Answer("Сколько дней заказ хранится в пункте выдачи?");
        Assert.Equal("Заказ хранится семь дней.", answer.GetProperty("text").GetString());
        var source = Assert.Single(answer.GetProperty("sources").EnumerateArray());
        Assert.Equal(("доставка.md", "Доставка > Пункты выдачи"), (source.GetProperty("fileName").GetString(), source.GetProperty("heading").GetString()));

        var served = app.Fake.ServedTo(key).Count;
        // Long enough not to be read as a follow-up of the previous question (short ones borrow its words).
        var offTopic = await Answer("Подскажите, пожалуйста, какая завтра будет погода на Марсе и на Луне?");
        Assert.StartsWith("Я не нашёл ответа на этот вопрос в наших документах", offTopic.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, offTopic.GetProperty("sources").ValueKind);
        Assert.Equal(served, app.Fake.ServedTo(key).Count); // no model call for a question the documents do not touch

        var transcript = await (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}", owner)).JsonBody();
        var stored = transcript.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("text").GetString() == "Заказ хранится семь дней.");
        Assert.Equal("доставка.md", stored.GetProperty("sources")[0].GetProperty("fileName").GetString());
    }

    [Fact]
    public async Task A_document_left_processing_by_a_dead_silo_is_finished_when_its_grain_wakes()
    {
        var owner = await _client.RegisterOwner("kb-resume");
        var assistant = await Assistant(owner);
        var account = (await (await Send(HttpMethod.Get, "/api/me", owner)).JsonBody()).GetProperty("account").GetProperty("id").GetGuid();
        // What a silo that died right after accepting the upload leaves behind: the row in processing and its file.
        var store = app.Factory.Services.GetRequiredService<IKnowledgeStore>();
        var now = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid();
        await store.Save(new KnowledgeDocument(id, account, assistant, "faq.md", FileFormat.Markdown, Delivery.Length, DocumentStatus.Processing,
            null, 0, 0, 0, null, true, 1, 0, null, now, now));
        await store.SaveFile(id, 1, TestDocuments.Utf8(Delivery));

        var ready = await Processed(owner, id); // the first read activates the grain, which resumes the run

        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.True(ready.GetProperty("searchable").GetBoolean());
    }

    [Fact]
    public async Task A_document_embedded_by_another_model_is_re_embedded_in_the_background_and_answers_meanwhile()
    {
        var owner = await _client.RegisterOwner("kb-reindex");
        var assistant = await Assistant(owner);
        var account = (await (await Send(HttpMethod.Get, "/api/me", owner)).JsonBody()).GetProperty("account").GetProperty("id").GetGuid();
        // A document indexed before the embedder was changed: ready, searchable, its vectors of the old model.
        var store = app.Factory.Services.GetRequiredService<IKnowledgeStore>();
        var content = TestDocuments.Utf8(Delivery);
        var chunks = Chunker.Split(DocumentReader.Read(FileFormat.Markdown, content, ExtractionLimits.Default), new ChunkingOptions(180, 40));
        var now = DateTimeOffset.UtcNow;
        var doc = new KnowledgeDocument(Guid.NewGuid(), account, assistant, "faq.md", FileFormat.Markdown, content.Length, DocumentStatus.Processing,
            null, 0, chunks.Count, 1, "ru", true, 1, 0, "old-model", now, now);
        await store.Save(doc);
        await store.SaveFile(doc.Id, 1, content);
        await store.SaveChunks(doc.Id, 1, "ru", chunks);
        await store.SaveEmbeddings(doc.Id, 1, "old-model", chunks.Select(c => (c.Position, Vectors.Normalize([1f, c.Position]))).ToList());
        doc = doc with { Status = DocumentStatus.Ready, ChunksDone = chunks.Count, ActiveVersion = 1 };
        await store.Activate(doc, 1);
        var model = app.Factory.Services.GetRequiredService<DocumentPipeline>().Model!;
        var reindexer = app.Factory.Services.GetRequiredService<KnowledgeReindexer>();

        // Searchable by words while it waits (the old vectors are never compared with the new model's).
        var before = await (await Send(HttpMethod.Post, $"/api/assistants/{assistant}/search", owner, new { query = "сколько стоит доставка" })).JsonBody();
        Assert.NotEmpty(before.GetProperty("hits").EnumerateArray());

        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonElement current;
        do
        {
            await reindexer.ScanOnce(); // what the silo does every Knowledge:ReindexInterval
            await Task.Delay(100);
            current = await (await Send(HttpMethod.Get, $"/api/documents/{doc.Id}", owner)).JsonBody();
            Assert.True(DateTime.UtcNow < deadline, "not re-embedded: " + current);
        }
        while (current.GetProperty("embeddingModel").GetString() != model);

        Assert.Equal("ready", current.GetProperty("status").GetString());
        Assert.Equal(chunks.Count, (await store.Embedded(doc.Id, 1, model)).Count);
        Assert.Empty(await store.Embedded(doc.Id, 1, "old-model"));
        Assert.DoesNotContain(await store.Stale(model, 10_000), d => d.Id == doc.Id);
    }
}
