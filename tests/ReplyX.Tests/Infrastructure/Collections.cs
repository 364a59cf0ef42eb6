namespace ReplyX.Tests;

/// <summary>Tests on the shared PostgreSQL server; each class still gets its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection
{
    public const string Name = "postgres";
}
