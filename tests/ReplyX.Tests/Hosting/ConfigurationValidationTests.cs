using Microsoft.Extensions.Configuration;
using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

/// <summary>
/// The settings read while the host is built (<c>Cluster</c>, <c>Storage</c>): their options classes and
/// validators, run directly as the hosting extensions run them. <see cref="StartupValidationTests"/> covers
/// every key through the real start-up path.
/// </summary>
public sealed class ConfigurationValidationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static ReplyXClusterOptions Cluster(IConfiguration configuration) =>
        configuration.ReadValidated(ReplyXClusterOptions.Section, new ReplyXClusterOptionsValidator(configuration));

    private static StorageOptions Storage(IConfiguration configuration) =>
        configuration.ReadValidated(StorageOptions.Section, new StorageOptionsValidator(configuration));

    [Fact]
    public void Defaults_are_the_embedded_mode()
    {
        var cluster = Cluster(Config());
        var storage = Storage(Config());

        Assert.Equal(ClusteringMode.Localhost, cluster.Membership);
        Assert.Equal(StorageProvider.Memory, storage.Provider);
        Assert.True(storage.MigrateOnStart);
        Assert.Equal(11111, cluster.SiloPort);
        Assert.Equal(30000, cluster.GatewayPort);
        Assert.Equal("replyx", cluster.ClusterId);
    }

    [Theory]
    [InlineData("Cluster:Membership", "Zookeeper", "Cluster:Membership")]
    [InlineData("Cluster:Membership", "1", "Cluster:Membership")]
    [InlineData("Cluster:Membership", "Localhost,Redis", "Cluster:Membership")]
    [InlineData("Cluster:Membership", "Redis", "ConnectionStrings:Redis")]
    [InlineData("Cluster:SiloPort", "70000", "Cluster:SiloPort")]
    [InlineData("Cluster:GatewayPort", "abc", "Cluster:GatewayPort")]
    [InlineData("Cluster:AdvertisedIPAddress", "not-an-ip", "Cluster:AdvertisedIPAddress")]
    [InlineData("Cluster:ClusterId", " ", "Cluster:ClusterId")]
    [InlineData("Cluster:GatewayPort", "11111", "Cluster:SiloPort")]
    [InlineData("ConnectionStrings:Redis", "127.0.0.1:6379,nonsense=1", "ConnectionStrings:Redis")]
    public void Wrong_cluster_setting_names_its_key(string key, string value, string named)
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() => Cluster(Config((key, value))));
        Assert.Contains(error.Errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Storage:Provider", "Oracle", "Storage:Provider")]
    [InlineData("Storage:Provider", "Postgres", "ConnectionStrings:Postgres")]
    [InlineData("Storage:Provider", "1", "Storage:Provider")]
    [InlineData("Storage:MigrateOnStart", "maybe", "Storage:MigrateOnStart")]
    public void Wrong_storage_setting_names_its_key(string key, string value, string named)
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() => Storage(Config((key, value))));
        Assert.Contains(error.Errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_unreadable_value_of_a_section_is_named_at_once()
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() =>
            Cluster(Config(("Cluster:SiloPort", "abc"), ("Cluster:GatewayPort", "x"), ("Cluster:Membership", "Consul"))));

        Assert.Equal(3, error.Errors.Count);
        Assert.StartsWith("Invalid configuration: ", error.Message);
        Assert.Contains("Cluster:SiloPort is 'abc'", error.Message);
        Assert.Contains("Cluster:GatewayPort is 'x'", error.Message);
        Assert.Contains("Cluster:Membership is 'Consul'; expected one of Localhost, Redis.", error.Message);
    }

    [Fact]
    public void Every_wrong_value_of_a_section_is_named_at_once()
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() =>
            Cluster(Config(("Cluster:SiloPort", "0"), ("Cluster:ClusterId", ""), ("Cluster:Membership", "Redis"))));

        Assert.Contains(error.Errors, e => e.StartsWith("Cluster:SiloPort", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Cluster:ClusterId", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("ConnectionStrings:Redis", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_postgres_connection_string_is_reported()
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() =>
            Storage(Config(("Storage:Provider", "postgres"), ("ConnectionStrings:Postgres", "Hots=x;Nonsense"))));
        Assert.Contains(error.Errors, e => e.Contains("ConnectionStrings:Postgres", StringComparison.Ordinal));
    }

    [Fact]
    public void Production_settings_are_read_case_insensitively()
    {
        var cluster = Cluster(Config(
            ("Cluster:Membership", "redis"), ("ConnectionStrings:Redis", "127.0.0.1:6379"),
            ("Cluster:SiloPort", "11112"), ("Cluster:GatewayPort", "30001"), ("Cluster:AdvertisedIPAddress", "10.1.2.3")));
        var storage = Storage(Config(("Storage:Provider", " POSTGRES "), ("ConnectionStrings:Postgres", "Host=db")));

        Assert.Equal(ClusteringMode.Redis, cluster.Membership);
        Assert.Equal(11112, cluster.SiloPort);
        Assert.Equal("10.1.2.3", cluster.AdvertisedIPAddress);
        Assert.Equal(StorageProvider.Postgres, storage.Provider);
    }

    [Fact]
    public void PostgreSQL_connections_prepare_statements_and_skip_the_reset_unless_the_string_says_otherwise()
    {
        var defaults = new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnectionString.WithReplyXDefaults("Host=db;Username=replyx"));
        Assert.Equal(64, defaults.MaxAutoPrepare);
        Assert.True(defaults.NoResetOnClose);
        Assert.Equal("db", defaults.Host);

        var explicitly = new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnectionString.WithReplyXDefaults("Host=db;Max Auto Prepare=0;NoResetOnClose=false"));
        Assert.Equal(0, explicitly.MaxAutoPrepare);
        Assert.False(explicitly.NoResetOnClose);
    }
}
