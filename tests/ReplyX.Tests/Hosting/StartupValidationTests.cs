using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReplyX.Hosting;
using ReplyX.Silo;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Hosting;

/// <summary>
/// A bad value for every configuration key the README (and docs/operations.md's Telegram table) documents is
/// refused by the real start-up path of the silo host, <see cref="SiloHost.Build"/>, which Program runs: it
/// validates the settings that shape the host, then every options class (<c>ValidateOnStart</c>), before
/// anything starts. The refusal is the line Program prints before exiting with code 2, and it names the key.
/// </summary>
public sealed partial class StartupValidationTests
{
    private const string Provider = "Ai:Providers:0:";
    private const string AProvider = Provider + "Kind=custom|" + Provider + "BaseUrl=http://127.0.0.1:11434/v1|" + Provider + "ApiKey=ollama";
    private const string RedisCluster = "Cluster:Membership=Redis|ConnectionStrings:Redis=127.0.0.1:6379";
    private const string Postgres = "Storage:Provider=Postgres";
    private const string AnAdmin = "Admin:Email=root@replyx.test|Admin:Password=a long admin password";

    /// <summary>The key, a bad value for it, other settings the case needs ("key=value|key=value"), and the key the refusal must name when it is another one.</summary>
    public static TheoryData<string, string, string?, string?> BadValues { get; } = new()
    {
        { "Cluster:Membership", "Zookeeper", null, null },
        { "Cluster:Membership", "1", null, null },
        { "ConnectionStrings:Redis", "", "Cluster:Membership=Redis", null },
        { "ConnectionStrings:Redis", "127.0.0.1:6379,nonsense=1", null, null },
        { "Cluster:ClusterId", " ", null, null },
        { "Cluster:ServiceId", "", null, null },
        { "Cluster:SiloPort", "70000", null, null },
        { "Cluster:GatewayPort", "abc", null, null },
        { "Cluster:GatewayPort", "11111", null, "Cluster:SiloPort" },
        { "Cluster:AdvertisedIPAddress", "not-an-ip", RedisCluster, null },
        { "Cluster:Liveness:ProbeTimeout", "-00:00:01", null, null },
        { "Cluster:Liveness:ProbeTimeout", "soon", null, null },
        { "Cluster:Liveness:NumMissedProbesLimit", "0", null, null },
        { "Storage:Provider", "Oracle", null, null },
        { "Storage:Provider", "1", null, null },
        { "ConnectionStrings:Postgres", "", Postgres, null },
        { "ConnectionStrings:Postgres", "Hots=x;Nonsense", Postgres, null },
        { "Storage:MigrateOnStart", "maybe", null, null },
        { "Api:Enabled", "perhaps", null, null },
        { "OrleansDashboard:Enabled", "sometimes", null, null },
        { "OrleansDashboard:CounterUpdateIntervalMs", "500", null, null },
        { "OrleansDashboard:HistoryLength", "0", null, null },
        { "OrleansDashboard:LogStream", "loud", null, null },
        { "Auth:Lockout:FreeAttempts", "0", null, null },
        { "Auth:Lockout:BaseLockout", "00:00:00", null, null },
        { "Auth:Lockout:MaxLockout", "00:00:10", null, null },
        { "Auth:Lockout:FailureWindow", "00:00:00", null, null },
        { "Auth:Jwt:SigningKey", "too-short", null, null },
        { "Auth:RevocationCheckInterval", "00:00:00", null, null },
        { "Auth:RevocationCheckInterval", "00:05:00", null, null },
        { "Metrics:AllowedNetworks:0", "10.0.0.0/33", null, null },
        { "Metrics:AllowedNetworks:0", "everyone", null, null },
        { "Metrics:AllowedNetworks:1", "10.0.0.1-10.0.0.9", "Metrics:AllowedNetworks:0=10.0.0.0/8", null },
        { "RateLimits:WebhookRefusalsPerMinute", "0", null, null },
        { "Webhooks:Key", "too-short", null, null },
        // No key: webhook secrets would differ between nodes.
        { "Telegram:PublicUrl", "https://replyx.example.com", Postgres + "|ConnectionStrings:Postgres=Host=db;Username=replyx", "Webhooks:Key" },
        { "Auth:Jwt:SigningKey", "", RedisCluster, null },
        { "Auth:AccessTokenLifetime", "00:00:00", null, null },
        { "Auth:RefreshTokenLifetime", "forever", null, null },
        { "RateLimits:AuthPerMinute", "0", null, null },
        { "RateLimits:UserPerMinute", "-1", null, null },
        { "Api:MaxRequestBodyBytes", "0", null, null },
        { "Cors:Origins:0", "not a url", null, null },
        { "Cors:Origins:1", "https://app.example.com/dashboard", "Cors:Origins:0=https://ok.example.com", null },
        { "Admin:Email", "root", "Admin:Password=a long admin password", null },
        { "Admin:Email", "root@replyx.test", null, "Admin:Password" },
        { "Admin:Password", "short", "Admin:Email=root@replyx.test", null },
        { "Admin:Name", new string('n', 201), AnAdmin, null },
        { Provider + "Name", " ", AProvider, null },
        { Provider + "Kind", "skynet", AProvider, null },
        { Provider + "BaseUrl", "not a url", AProvider, null },
        { Provider + "ApiKey", "", AProvider, null },
        { Provider + "Models:0", "", AProvider, null },
        { Provider + "Priority", "-1", AProvider, null },
        { Provider + "Priority", "high", AProvider, null },
        { Provider + "Rpm", "0", AProvider, null },
        { Provider + "TokensPerDay", "0", AProvider, null },
        { Provider + "FolderId", new string('f', 201), AProvider, null },
        { Provider + "Scope", new string('s', 201), AProvider, null },
        { Provider + "AuthUrl", "nope", AProvider, null },
        { Provider + "ProxyUrl", "ftp://proxy.example.com", AProvider, null },
        { "Ai:AttemptTimeout", "00:00:00", null, null },
        { "Ai:AskBudget", "00:00:30", null, null },
        { "Ai:Limits:RpmWindow", "00:00:00", null, null },
        { "Ai:Limits:FailureThreshold", "0", null, null },
        { "Ai:Limits:BreakDuration", "-00:00:01", null, null },
        { "Ai:Limits:UnauthorizedBreak", "00:00:00", null, null },
        { "Dialogs:HistoryTokenBudget", "0", null, null },
        { "Dialogs:RecentWindow", "0", null, null },
        { "Dialogs:MaxAiWait", "00:00:00", null, null },
        { "Dialogs:StreamPartials", "sometimes", null, null },
        { "Streams:PollPeriod", "00:00:00", null, null },
        { "Streams:PollPeriod", "fast", null, null },
        { "EventStreams:MaxConnections", "0", null, null },
        { "EventStreams:MaxConnections", "lots", null, null },
        { "EventStreams:PingInterval", "00:00:00", null, null },
        { "EventStreams:BufferPerConnection", "0", null, null },
        { "Widget:SessionLifetime", "00:00:30", null, null },
        { "Widget:SessionsPerMinute", "0", null, null },
        { "Widget:MessagesPerMinute", "-1", null, null },
        { "Widget:RequestsPerMinute", "many", null, null },
        { "Desk:OperatorLimit", "0", null, null },
        { "Desk:OfferTimeout", "00:00:00", null, null },
        { "Desk:PresenceTimeout", "00:00:00.500", null, null },
        { "Desk:CheckInterval", "00:05:00", null, null },
        { "Desk:ResyncInterval", "00:00:00", null, null },
        { "Knowledge:MaxUploadBytes", "0", null, null },
        { "Knowledge:MaxUnpackedBytes", "0", null, null },
        { "Knowledge:Embedder", "word2vec", null, null },
        { "Knowledge:OnnxModelPath", "/no/such/model.onnx", "Knowledge:Embedder=Onnx", null },
        { "Knowledge:OnnxVocabPath", "/no/such/vocab.txt", "Knowledge:Embedder=Onnx", null },
        { "Knowledge:OnnxModelName", "", "Knowledge:Embedder=Onnx", null },
        { "Knowledge:OnnxMaxTokens", "4", null, null },
        { "Knowledge:ProviderModel", "", "Knowledge:Embedder=Provider", null },
        { "Knowledge:ProviderDimensions", "0", "Knowledge:Embedder=Provider", null },
        { "Knowledge:ReindexInterval", "00:00:00", null, null },
        { "Billing:WelcomeCredit", "-1", null, null },
        { "Billing:WelcomeCredit", "0.0000001", null, null },
        { "Billing:WelcomeCredit", "lots", null, null },
        { "Billing:MaxBatch", "0", null, null },
        { "Billing:ReferralBonus", "-5", null, null },
        { "Billing:Enabled", "maybe", null, null },
        { "Billing:YooKassa:SecretKey", "", "Billing:YooKassa:ShopId=123|Billing:YooKassa:ReturnUrl=https://x.test/balance", null },
        { "Billing:YooKassa:ReturnUrl", "balance", "Billing:YooKassa:ShopId=123|Billing:YooKassa:SecretKey=s", null },
        { "Billing:YooKassa:BaseUrl", "ftp://yookassa", null, null },
        { "Billing:YooKassa:MinTopUp", "0.001", null, "Billing:YooKassa:MinTopUp" },
        { "Billing:YooKassa:Timeout", "00:00:00", null, null },
        { "Billing:YooKassa:ShopId", "shop-1", "Billing:YooKassa:SecretKey=s|Billing:YooKassa:ReturnUrl=https://x.test/balance", null },
        { "Billing:YooKassa:MaxTopUp", "5", null, null },
        { "Knowledge:Parallelism", "0", null, null },
        { "Knowledge:EmbeddingBatch", "0", null, null },
        { "Knowledge:ChunkTokens", "10", null, null },
        { "Knowledge:OverlapTokens", "500", null, null },
        { "Knowledge:Candidates", "0", null, null },
        { "Knowledge:StampCacheTime", "-00:00:01", null, null },
        // docs/operations.md, Telegram bots
        { "Telegram:ApiBaseUrl", "not a url", null, null },
        { "Telegram:PublicUrl", "replyx.example.com", null, null },
        { "Telegram:HttpVersion", "Http3", null, null },
        { "Telegram:MaxPollConnections", "0", null, null },
        { "Telegram:MaxCallConnections", "0", null, null },
        { "Telegram:PollTimeout", "00:00:00.500", null, null },
        { "Telegram:KeepAlivePeriod", "00:00:00.500", null, null },
        { "Telegram:PrivateChatInterval", "-00:00:01", null, null },
        { "Telegram:GroupChatInterval", "-00:00:01", null, null },
        { "Telegram:PerBotPerSecond", "0", null, null },
        { "Telegram:PerBotMetrics", "yes", null, null },
        { "Telegram:RetryDelay", "00:01:00", null, null },
        { "Dialogs:StateFlushDelay", "00:00:00", null, null },
        { "Dialogs:ChannelTypingDelay", "00:00:00", null, null },
        { "Dialogs:AssistantCacheTime", "-00:00:01", null, null },
        { "Telegram:MaxActionConnections", "0", null, null },
        { "Telegram:MaxTypingInFlight", "0", null, null },
        { "Telegram:ConflictGracePeriod", "-00:00:01", null, null },
        { "Telegram:StateFlushDelay", "00:00:00", null, null },
        { "Telegram:IntakeMaxAnswering", "-1", null, null },
        { "Telegram:IntakeBusyLag", "-00:00:01", null, null },
        { "Dialogs:AccountFeedInterval", "00:00:00", null, null },
        { "Dialogs:RecoveryPeriod", "00:00:00.500", null, null },
        { "Dialogs:RecoveryAge", "00:00:00", null, null },
        { "Dialogs:DeliveryRetryDelay", "00:00:00", null, null },
        { "Dialogs:DeliveryRetries", "-1", null, null },
    };

    /// <summary>What the silo host refuses at start-up, as Program prints it; null when it would start. Settings are "Key=Value", several joined by '|'.</summary>
    private static async Task<string?> StartupRefusal(params string[] settings)
    {
        // Command-line arguments: the highest-priority source, as an operator would pass them (--Key=Value).
        var args = settings.SelectMany(s => s.Split('|', StringSplitOptions.RemoveEmptyEntries)).Select(s => "--" + s).ToArray();
        try
        {
            // Build validates everything; the start-up validation is run again the way Host.StartAsync runs it,
            // before any hosted service (the silo, Kestrel) starts, which this test never does.
            var app = SiloHost.Build(args);
            await using (app)
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
            }
            return null;
        }
        catch (Exception ex) when (ConfigurationFailure.Describe(ex) is { } message)
        {
            return message;
        }
    }


    [Fact]
    public async Task The_embedded_default_passes()
    {
        Assert.Null(await StartupRefusal());
    }

    [Fact]
    public async Task A_production_silo_with_every_documented_key_set_passes()
    {
        Assert.Null(await StartupRefusal(
            RedisCluster, "Cluster:ClusterId=prod", "Cluster:SiloPort=11112", "Cluster:GatewayPort=30001", "Cluster:AdvertisedIPAddress=10.0.0.5",
            "Cluster:Liveness:ProbeTimeout=00:00:01", "Cluster:Liveness:MinProbeTimeout=00:00:00.5", "Cluster:Liveness:MaxProbeTimeout=00:00:02",
            "Storage:Provider=postgres", "ConnectionStrings:Postgres=Host=db;Username=replyx;Password=secret", "Storage:MigrateOnStart=false",
            "Api:Enabled=true", "Api:MaxRequestBodyBytes=2097152", "Auth:Jwt:SigningKey=" + new string('k', 32),
            "Auth:Lockout:FreeAttempts=3", "Auth:Lockout:BaseLockout=00:01:00", "Auth:Lockout:MaxLockout=01:00:00",
            "RateLimits:AuthPerMinute=10", "Cors:Origins:0=https://app.example.com", "Cors:Origins:1=http://localhost:5173", AnAdmin,
            AProvider, Provider + "Models:0=llama3.2", Provider + "Rpm=60", Provider + "ProxyUrl=socks5://127.0.0.1:1080",
            "Ai:AskBudget=00:00:20", "Dialogs:StreamPartials=False", "Streams:PollPeriod=00:00:00.050",
            "Telegram:PublicUrl=https://replyx.example.com", "Webhooks:Key=" + new string('w', 32), "Telegram:HttpVersion=http2", "Telegram:PerBotMetrics=false",
            "Auth:RevocationCheckInterval=00:00:01", "Metrics:AllowedNetworks:0=10.0.0.0/8", "RateLimits:WebhookRefusalsPerMinute=120"));
    }

    [Fact]
    public async Task A_pure_silo_passes()
    {
        Assert.Null(await StartupRefusal("Api:Enabled=false"));
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task A_bad_value_is_refused_at_start_naming_its_key(string key, string value, string? others, string? named)
    {
        var refusal = await StartupRefusal(others ?? "", $"{key}={value}");

        Assert.NotNull(refusal);
        Assert.StartsWith(ConfigurationFailure.Prefix, refusal);
        Assert.Contains(named ?? key, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_values_of_several_features_are_all_named()
    {
        var refusal = await StartupRefusal("Dialogs:RecentWindow=0", "Telegram:PerBotPerSecond=0", "Ai:Limits:FailureThreshold=x", "RateLimits:UserPerMinute=0");

        Assert.NotNull(refusal);
        Assert.Contains("Dialogs:RecentWindow", refusal);
        Assert.Contains("Telegram:PerBotPerSecond", refusal);
        Assert.Contains("Ai:Limits:FailureThreshold", refusal);
        Assert.Contains("RateLimits:UserPerMinute", refusal);
    }

    [Fact]
    public async Task Secrets_are_never_quoted()
    {
        var refusal = await StartupRefusal("Auth:Jwt:SigningKey=short-secret-value", "Admin:Email=root@replyx.test", "Admin:Password=tiny-secret");

        Assert.NotNull(refusal);
        Assert.DoesNotContain("short-secret-value", refusal);
        Assert.DoesNotContain("tiny-secret", refusal);
    }

    public static TheoryData<string, string> DocumentedTables { get; } = new()
    {
        { "README.md", "## Configuration" },
        { "docs/operations.md", "## Telegram bots" },
    };

    /// <summary>Keeps the theory and the documentation together: a key added to a table needs a bad-value case.</summary>
    [Theory]
    [MemberData(nameof(DocumentedTables))]
    public void Every_documented_key_has_a_bad_value_case(string file, string heading)
    {
        var documented = DocumentedKeys(File.ReadAllLines(Path.Combine(TestServers.RepositoryRoot, file)), heading);
        var tested = BadValues.Select(row => Pattern((string)row[0])).ToHashSet();

        Assert.NotEmpty(documented);
        var missing = documented.Where(key => !tested.Any(t => Matches(key, t))).ToList();
        Assert.True(missing.Count == 0, $"{file}: no bad-value case for {string.Join(", ", missing)}");
    }

    /// <summary>
    /// The keys of the first column of the table under <paramref name="heading"/>: <c>`A:B`</c>, then relative names
    /// (<c>`A:B`, `C`</c> is A:B and A:C), slash lists (<c>`A:N:B/C`</c> is A:N:B and A:N:C). The row for the HTTP
    /// address names ASP.NET Core's own settings, which Kestrel checks itself, and has no key in backticks.
    /// </summary>
    private static List<string> DocumentedKeys(string[] lines, string heading)
    {
        var keys = new List<string>();
        var start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, $"heading '{heading}' not found");
        foreach (var line in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var prefix = "";
            foreach (Match token in Backticked().Matches(line.Split('|')[1]))
            {
                var parts = token.Groups[1].Value.Split('/');
                for (var i = 0; i < parts.Length; i++)
                {
                    if (parts[i] == "…")
                    {
                        continue;
                    }
                    if (i == 0 && parts[i].Contains(':', StringComparison.Ordinal))
                    {
                        prefix = parts[i][..(parts[i].LastIndexOf(':') + 1)];
                        keys.Add(Pattern(parts[i]));
                    }
                    else
                    {
                        keys.Add(Pattern(prefix + parts[i]));
                    }
                }
            }
        }
        return keys;
    }

    /// <summary>Indexes (<c>0</c>, <c>N</c>, <c>M</c>) become <c>#</c>.</summary>
    private static string Pattern(string key) =>
        string.Join(':', key.Split(':').Select(s => s.Length > 0 && (s.All(char.IsAsciiDigit) || s is "N" or "M") ? "#" : s));

    private static bool Matches(string documented, string tested) =>
        documented.EndsWith(":*", StringComparison.Ordinal)
            ? tested.StartsWith(documented[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(documented, tested, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
