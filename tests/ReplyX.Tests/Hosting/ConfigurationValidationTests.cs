using Microsoft.Extensions.Configuration;
using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

public sealed class ConfigurationValidationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Defaults_are_the_embedded_mode()
    {
        var cluster = ClusterSettings.Read(Config());
        var storage = StorageSettings.Read(Config());

        Assert.Equal(ClusteringMode.Localhost, cluster.Membership);
        Assert.Equal(StorageProvider.Memory, storage.Provider);
        Assert.Equal(11111, cluster.SiloPort);
        Assert.Equal(30000, cluster.GatewayPort);
    }

    [Theory]
    [InlineData("Cluster:Membership", "Zookeeper", "Cluster:Membership")]
    [InlineData("Cluster:Membership", "Redis", "ConnectionStrings:Redis")]
    [InlineData("Cluster:SiloPort", "70000", "Cluster:SiloPort")]
    [InlineData("Cluster:GatewayPort", "abc", "Cluster:GatewayPort")]
    [InlineData("Cluster:AdvertisedIPAddress", "not-an-ip", "Cluster:AdvertisedIPAddress")]
    [InlineData("Cluster:ClusterId", " ", "Cluster:ClusterId")]
    [InlineData("Cluster:GatewayPort", "11111", "Cluster:SiloPort")]
    public void Wrong_cluster_setting_names_its_key(string key, string value, string named)
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() => ClusterSettings.Read(Config((key, value))));
        Assert.Contains(error.Errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Storage:Provider", "Oracle", "Storage:Provider")]
    [InlineData("Storage:Provider", "Postgres", "ConnectionStrings:Postgres")]
    [InlineData("Storage:Provider", "1", "Storage:Provider")]
    [InlineData("Storage:MigrateOnStart", "maybe", "Storage:MigrateOnStart")]
    public void Wrong_storage_setting_names_its_key(string key, string value, string named)
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() => StorageSettings.Read(Config((key, value))));
        Assert.Contains(error.Errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_postgres_connection_string_is_reported()
    {
        var error = Assert.Throws<ReplyXConfigurationException>(() =>
            StorageSettings.Read(Config(("Storage:Provider", "postgres"), ("ConnectionStrings:Postgres", "Hots=x;Nonsense"))));
        Assert.Contains(error.Errors, e => e.Contains("ConnectionStrings:Postgres", StringComparison.Ordinal));
    }

    [Fact]
    public void Production_settings_are_read_case_insensitively()
    {
        var cluster = ClusterSettings.Read(Config(
            ("Cluster:Membership", "redis"), ("ConnectionStrings:Redis", "127.0.0.1:6379"),
            ("Cluster:SiloPort", "11112"), ("Cluster:GatewayPort", "30001"), ("Cluster:AdvertisedIPAddress", "10.1.2.3")));

        Assert.Equal(ClusteringMode.Redis, cluster.Membership);
        Assert.Equal(11112, cluster.SiloPort);
        Assert.Equal("10.1.2.3", cluster.AdvertisedIPAddress);
    }

    [Fact]
    public void PostgreSQL_connections_prepare_statements_and_skip_the_reset_unless_the_string_says_otherwise()
    {
        var defaults = new Npgsql.NpgsqlConnectionStringBuilder(StorageSettings.Read(Config(
            ("Storage:Provider", "Postgres"), ("ConnectionStrings:Postgres", "Host=db;Username=replyx"))).PostgresConnectionString);
        Assert.Equal(64, defaults.MaxAutoPrepare);
        Assert.True(defaults.NoResetOnClose);
        Assert.Equal("db", defaults.Host);

        var explicitly = new Npgsql.NpgsqlConnectionStringBuilder(StorageSettings.Read(Config(
            ("Storage:Provider", "Postgres"), ("ConnectionStrings:Postgres", "Host=db;Max Auto Prepare=0;NoResetOnClose=false"))).PostgresConnectionString);
        Assert.Equal(0, explicitly.MaxAutoPrepare);
        Assert.False(explicitly.NoResetOnClose);
    }
}
