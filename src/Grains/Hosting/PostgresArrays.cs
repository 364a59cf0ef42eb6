using Npgsql;
using NpgsqlTypes;

namespace ReplyX.Hosting;

public static class PostgresArrays
{
    /// <summary>An array parameter of a multi-row statement (<c>unnest(@name, …)</c>), its element type stated: nulls and empty arrays need it.</summary>
    public static void AddArray<T>(this NpgsqlCommand command, string name, NpgsqlDbType elementType, T[] values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | elementType) { Value = values });
}
