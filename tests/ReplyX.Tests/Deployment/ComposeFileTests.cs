using Microsoft.Extensions.Configuration;
using ReplyX.Hosting;
using ReplyX.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ReplyX.Tests.Deployment;

/// <summary>
/// Docker does not run on the build machines, so compose.yaml is checked by reading it: the services exist,
/// are wired to each other by name, wait for healthy dependencies, and carry settings the real
/// configuration readers accept.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly Dictionary<string, object> Services = Load();

    private static Dictionary<string, object> Load()
    {
        using var reader = new StreamReader(Path.Combine(TestServers.RepositoryRoot, "compose.yaml"));
        var root = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(reader)));
        return ((Dictionary<object, object>)root["services"]).ToDictionary(kv => (string)kv.Key, kv => kv.Value);
    }

    private static Dictionary<object, object> Service(string name) => (Dictionary<object, object>)Services[name];

    private static Dictionary<string, string> Environment(string name) =>
        ((Dictionary<object, object>)Service(name)["environment"]).ToDictionary(kv => (string)kv.Key, kv => (string)kv.Value);

    private static IConfiguration AsConfiguration(Dictionary<string, string> environment) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":"), kv.Value)))
            .Build();

    private static ReplyXClusterOptions ReadCluster(IConfiguration config) =>
        config.ReadValidated(ReplyXClusterOptions.Section, new ReplyXClusterOptionsValidator(config));

    [Fact]
    public void Has_postgres_with_pgvector_redis_two_silos_and_an_api_node()
    {
        Assert.Equal(["api", "postgres", "redis", "silo1", "silo2"], Services.Keys.Order());
        Assert.StartsWith("pgvector/pgvector:", (string)Service("postgres")["image"]);
        Assert.StartsWith("redis:7", (string)Service("redis")["image"]);
    }

    [Fact]
    public void Every_service_has_a_health_check()
    {
        foreach (var name in Services.Keys)
        {
            Assert.True(Service(name).ContainsKey("healthcheck"), $"{name} has no healthcheck");
        }
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    public void Silos_are_pure_silos_on_postgres_and_redis_that_start_after_them(string name)
    {
        var env = Environment(name);
        var config = AsConfiguration(env);

        var cluster = ReadCluster(config);
        var storage = config.ReadValidated(StorageOptions.Section, new StorageOptionsValidator(config));

        Assert.Equal(ClusteringMode.Redis, cluster.Membership);
        Assert.StartsWith("redis:", config[ReplyXClusterOptions.RedisConnectionKey]);
        Assert.Equal(StorageProvider.Postgres, storage.Provider);
        Assert.Contains("Host=postgres", config[StorageOptions.PostgresConnectionKey]);
        Assert.Equal("false", env["Api__Enabled"]);
        Assert.Contains("/health/ready", string.Join(' ', (List<object>)((Dictionary<object, object>)Service(name)["healthcheck"])["test"]));

        var dependsOn = (Dictionary<object, object>)Service(name)["depends_on"];
        foreach (var dependency in new[] { "postgres", "redis" })
        {
            Assert.Equal("service_healthy", ((Dictionary<object, object>)dependsOn[dependency])["condition"]);
        }
    }

    [Fact]
    public void Redis_keeps_the_membership_table_across_restarts_in_an_append_only_file_on_a_volume()
    {
        // Orleans keeps its membership table in Redis only: a Redis that comes back empty leaves every running
        // silo out of the cluster (not ready, unreachable for clients) until it is restarted.
        var redis = Service("redis");
        var command = ((List<object>)redis["command"]).Cast<string>().ToArray();
        var appendOnly = Array.IndexOf(command, "--appendonly");
        Assert.True(appendOnly >= 0 && command[appendOnly + 1] == "yes", string.Join(' ', command));
        Assert.Contains(((List<object>)redis["volumes"]).Cast<string>(), v => v.EndsWith(":/data", StringComparison.Ordinal));
    }

    [Fact]
    public void Api_node_is_an_orleans_client_of_the_same_cluster_and_publishes_the_http_port()
    {
        var api = Service("api");
        var entrypoint = string.Join(' ', (List<object>)api["entrypoint"]);
        Assert.Contains("ReplyX.Api.dll", entrypoint);

        var apiConfig = AsConfiguration(Environment("api"));
        var siloConfig = AsConfiguration(Environment("silo1"));
        var apiCluster = ReadCluster(apiConfig);
        var siloCluster = ReadCluster(siloConfig);
        Assert.Equal(siloCluster.ClusterId, apiCluster.ClusterId);
        Assert.Equal(siloCluster.ServiceId, apiCluster.ServiceId);
        Assert.Equal(siloConfig[ReplyXClusterOptions.RedisConnectionKey], apiConfig[ReplyXClusterOptions.RedisConnectionKey]);

        var dependsOn = (Dictionary<object, object>)api["depends_on"];
        Assert.Contains("silo1", dependsOn.Keys);
        Assert.Contains("silo2", dependsOn.Keys);
        Assert.Contains("8080:8080", ((List<object>)api["ports"]).Cast<string>());
    }

    [Fact]
    public void The_image_the_services_run_is_built_from_the_repository_dockerfile()
    {
        foreach (var name in new[] { "silo1", "silo2", "api" })
        {
            Assert.Equal("replyx:latest", Service(name)["image"]);
        }
        Assert.Equal(".", Service("silo1")["build"]);
        Assert.Equal(".", Service("silo2")["build"]);
        var dockerfile = File.ReadAllText(Path.Combine(TestServers.RepositoryRoot, "Dockerfile"));
        Assert.Contains("src/Silo/ReplyX.Silo.csproj", dockerfile);
        Assert.Contains("src/Api/ReplyX.Api.csproj", dockerfile);
    }
}
