using ReplyX.Ai;

namespace ReplyX.Assistants;

[GenerateSerializer, Immutable, Alias("ReplyX.Assistants.HandoffRules")]
public sealed record HandoffRules(
    [property: Id(0)] IReadOnlyList<string> Keywords,
    [property: Id(1)] int MaxAiTurns)
{
    public static HandoffRules Default { get; } = new(["оператор", "человек", "живой", "human", "agent", "operator"], 0);
}

[GenerateSerializer, Immutable, Alias("ReplyX.Assistants.WidgetSettings")]
public sealed record WidgetSettings(
    [property: Id(0)] IReadOnlyList<string> AllowedOrigins,
    [property: Id(1)] string? Greeting,
    [property: Id(2)] string? Color,
    [property: Id(3)] string? Position)
{
    public static WidgetSettings Default { get; } = new([], null, null, null);
}

/// <summary>What a business configures for one assistant.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Assistants.AssistantSettings")]
public sealed record AssistantSettings(
    [property: Id(0)] string Name,
    [property: Id(1)] string SystemPrompt,
    [property: Id(2)] string Model,
    [property: Id(3)] float? Temperature,
    [property: Id(4)] string Language,
    [property: Id(5)] IReadOnlyList<AiProviderKind> Providers,
    [property: Id(6)] HandoffRules Handoff,
    [property: Id(7)] WidgetSettings Widget,
    [property: Id(8)] string? FallbackText,
    [property: Id(9)] ReplyX.Knowledge.RetrievalSettings? Retrieval = null);

public static class AssistantDefaults
{
    /// <summary>What a new assistant starts with (and what an unknown one falls back to).</summary>
    public static AssistantSettings Settings { get; } =
        new("", "", "gpt-4o-mini", null, "ru", [], HandoffRules.Default, WidgetSettings.Default, null);
}

[GenerateSerializer, Immutable, Alias("ReplyX.Assistants.Assistant")]
public sealed record Assistant(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] AssistantSettings Settings,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("ReplyX.Assistants.PublicWidget")]
public sealed record PublicWidget(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Language,
    [property: Id(3)] WidgetSettings Settings);

/// <summary>One assistant's configuration. It never generates answers itself (that would make it a hot grain).</summary>
[Alias("ReplyX.Assistants.IAssistantGrain")]
public interface IAssistantGrain : IGrainWithGuidKey
{
    [Alias("Create")]
    Task<Assistant> Create(Guid accountId, AssistantSettings settings);

    /// <summary>The assistant if it belongs to <paramref name="accountId"/>; null otherwise (missing or another tenant's).</summary>
    [Orleans.Concurrency.ReadOnly, Alias("Get")]
    Task<Assistant?> Get(Guid accountId);

    /// <summary>
    /// What the web-site widget, which knows only the assistant's id, may learn of it: whose it is and its
    /// widget settings (allowed origins, texts, look). Null when there is no such assistant. The caller
    /// checks the visitor's origin against <see cref="PublicWidget.Settings"/>.
    /// </summary>
    [Orleans.Concurrency.ReadOnly, Alias("Widget")]
    Task<PublicWidget?> Widget();

    [Alias("Update")]
    Task<Assistant?> Update(Guid accountId, AssistantSettings settings);

    [Alias("Delete")]
    Task<bool> Delete(Guid accountId);
}

[Alias("ReplyX.Assistants.IAssistantCatalogGrain")]
public interface IAssistantCatalogGrain : IGrainWithIntegerKey
{
    [Alias("List")]
    Task<IReadOnlyList<Assistant>> List(Guid accountId);
}

[GenerateSerializer, Immutable, Alias("ReplyX.Assistants.AskResult")]
public sealed record AskResult(
    [property: Id(0)] string Text,
    [property: Id(1)] bool Offline,
    [property: Id(2)] IReadOnlyList<ReplyX.Knowledge.KnowledgeSource> Sources,
    [property: Id(3)] int PromptTokens,
    [property: Id(4)] int CompletionTokens,
    [property: Id(5)] string? Model,
    [property: Id(6)] DateTimeOffset? UnavailableUntil = null,
    [property: Id(7)] bool TokensEstimated = false,
    [property: Id(8)] bool Unpaid = false);

/// <summary>One-off questions to an assistant (no dialog), served by stateless workers on every silo.</summary>
[Alias("ReplyX.Assistants.IAskGrain")]
public interface IAskGrain : IGrainWithIntegerKey
{
    /// <summary>Null when the assistant is missing or belongs to another account.</summary>
    [Alias("Ask")]
    Task<AskResult?> Ask(Guid accountId, Guid assistantId, string text);
}
