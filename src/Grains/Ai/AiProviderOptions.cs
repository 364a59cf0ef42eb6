namespace ReplyX.Ai;

/// <summary>The <c>Ai</c> section: calls to the providers, the one-off ask and the keys declared in configuration.</summary>
public sealed class AiProviderOptions
{
    public const string Section = "Ai";

    /// <summary>One attempt against one key; the router fails over to the next key after it.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan DirectoryRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// HTTP connections per key: a burst of questions waits for a connection instead of opening a socket per
    /// request (10,000 dialogs asking at once would otherwise exhaust the process's file descriptors).
    /// </summary>
    public int MaxConnectionsPerKey { get; set; } = 256;

    /// <summary>
    /// The whole time a one-off ask (<c>IAskGrain.Ask</c>) may spend on the AI, failover included. It answers
    /// inside a grain call, so it must end before Orleans' response timeout (30 s by default) gives up on it.
    /// </summary>
    public TimeSpan AskBudget { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Provider keys declared in configuration (<c>Ai:Providers:N:*</c>), upserted at start-up by
    /// <see cref="ConfiguredProvidersService"/>; keyed by the configuration key (<c>0</c>, <c>1</c>, … or a name).
    /// </summary>
    public Dictionary<string, ConfiguredProviderOptions> Providers { get; set; } = [];
}

/// <summary>One <c>Ai:Providers:N</c> entry, e.g. a local Ollama or vLLM server for the embedded default.</summary>
public sealed class ConfiguredProviderOptions
{
    /// <summary>Names the key in the admin pages and derives its stable id; the entry's configuration key when empty.</summary>
    public string? Name { get; set; }

    /// <summary>One of <see cref="AiProviderNames.All"/>, in any case.</summary>
    public string? Kind { get; set; }

    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    public List<string> Models { get; set; } = [];
    public int Priority { get; set; } = 100;
    public int? Rpm { get; set; }
    public long? TokensPerDay { get; set; }
    public string? FolderId { get; set; }
    public string? Scope { get; set; }
    public string? AuthUrl { get; set; }
    public string? ProxyUrl { get; set; }
}
