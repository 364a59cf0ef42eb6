namespace ReplyX.Hosting;

/// <summary>Names shared by silos and clients: the one stream provider and its namespaces (ARCHITECTURE.md, Streams).</summary>
public static class StreamNames
{
    public const string Provider = "events";
    public const string PubSubStore = "PubSubStore";
    public const string GrainStorage = "Default";

    public const string Dialog = "dialog";
    public const string Account = "account";
    public const string Admin = "admin";
}
