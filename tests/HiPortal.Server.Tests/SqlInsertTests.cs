using HiPortal.Server.Persistence;

namespace HiPortal.Server.Tests;

/// <summary>Hand-written inserts bind each value to a parameter named after its column, from one list.</summary>
public sealed class SqlInsertTests
{
    [Fact]
    public void Sql_NamesEachParameterAfterItsColumn_InOneOrder()
    {
        var insert = new SqlInsert<(string Id, int? Count)>("Things", ["Id"], ("Id", t => t.Id), ("Count", t => t.Count));

        Assert.Equal("""INSERT INTO "Things" ("Id", "Count") VALUES (@Id, @Count) ON CONFLICT ("Id") DO NOTHING""", insert.Sql);
    }

    [Fact]
    public async Task InsertAsync_StoresNullAsNull_AndReportsAConflictAsZeroRows()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE Things (Id TEXT PRIMARY KEY, Count INTEGER)";
            await create.ExecuteNonQueryAsync();
        }

        var insert = new SqlInsert<(string Id, int? Count)>("Things", ["Id"], ("Id", t => t.Id), ("Count", t => t.Count));
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = insert.CreateCommand(connection, transaction);

        Assert.Equal(1, await command.InsertAsync(("a", null)));
        Assert.Equal(0, await command.InsertAsync(("a", 3)));
        Assert.Equal(1, await command.InsertAsync(("b", 3)));
        await using var read = connection.CreateCommand();
        read.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)transaction;
        read.CommandText = "SELECT COUNT(*) FROM Things WHERE Count IS NULL";
        Assert.Equal(1L, await read.ExecuteScalarAsync());
    }
}
