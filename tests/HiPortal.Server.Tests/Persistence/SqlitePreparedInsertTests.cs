using HiPortal.Server.Persistence;
using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>The decision writer's kept statement, bound by position, on a real SQLite file.</summary>
public sealed class SqlitePreparedInsertTests : IDisposable
{
    private sealed record Row(string Key, long Number, int Small, bool Flag, double Real, float Single, byte[] Blob, string? Note);

    private static readonly SqlInsert<Row> s_insert = new("Rows", ["Key"],
        ("Key", r => r.Key), ("Number", r => r.Number), ("Small", r => r.Small), ("Flag", r => r.Flag),
        ("Real", r => r.Real), ("Single", r => r.Single), ("Blob", r => r.Blob), ("Note", r => r.Note));

    private readonly string _directory = Directory.CreateTempSubdirectory("hiportal-insert-").FullName;
    private readonly SqliteConnection _connection;

    public SqlitePreparedInsertTests()
    {
        _connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "rows.db")};Pooling=False");
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = """
            CREATE TABLE "Rows" ("Key" TEXT NOT NULL UNIQUE, "Number" INTEGER NOT NULL, "Small" INTEGER NOT NULL,
              "Flag" INTEGER NOT NULL, "Real" REAL NOT NULL, "Single" REAL NOT NULL, "Blob" BLOB NOT NULL CHECK (length("Blob") > 0),
              "Note" TEXT NULL)
            """;
        create.ExecuteNonQuery();
    }

    [Fact]
    public void EveryValueType_IsStoredAsMicrosoftDataSqliteStoresIt_AndAConflictInsertsNothing()
    {
        using var insert = new SqlitePreparedInsert<Row>(s_insert, _connection);
        var first = new Row("dev-1/s-1", long.MaxValue, -7, true, 0.1, 0.25f, [1, 2, 3], "héllo ✓");
        var second = new Row("dev-1/s-2", -1, 0, false, -2.5e-300, float.Epsilon, [0xff], null);

        Assert.Equal(1, insert.Insert(first));
        Assert.Equal(1, insert.Insert(second));
        Assert.Equal(0, insert.Insert(first with { Number = 5 }));

        // The same rows through Microsoft.Data.Sqlite's own binding, into a copy of the table, read back identically.
        using (var copy = _connection.CreateCommand())
        {
            copy.CommandText = """CREATE TABLE "Copy" AS SELECT * FROM "Rows" WHERE 0""";
            copy.ExecuteNonQuery();
        }

        foreach (var row in new[] { first, second })
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """INSERT INTO "Copy" VALUES (@k, @n, @s, @f, @r, @g, @b, @o)""";
            command.Parameters.AddWithValue("@k", row.Key);
            command.Parameters.AddWithValue("@n", row.Number);
            command.Parameters.AddWithValue("@s", row.Small);
            command.Parameters.AddWithValue("@f", row.Flag);
            command.Parameters.AddWithValue("@r", row.Real);
            command.Parameters.AddWithValue("@g", row.Single);
            command.Parameters.AddWithValue("@b", row.Blob);
            command.Parameters.AddWithValue("@o", (object?)row.Note ?? DBNull.Value);
            command.ExecuteNonQuery();
        }

        Assert.Equal(ReadAll("Copy"), ReadAll("Rows"));
        Assert.Equal(2, ReadAll("Rows").Count);
    }

    [Fact]
    public void AFailedRow_ThrowsWithSqlitesMessage_AndTheStatementStillInsertsTheNextOne()
    {
        using var insert = new SqlitePreparedInsert<Row>(s_insert, _connection);

        var failed = Assert.Throws<SqliteException>(() => insert.Insert(new Row("bad", 1, 1, true, 1, 1, [], null)));
        Assert.Contains("CHECK constraint failed", failed.Message, StringComparison.Ordinal);

        Assert.Equal(1, insert.Insert(new Row("good", 1, 1, true, 1, 1, [9], null)));
        Assert.Equal(["good"], ReadAll("Rows").Select(r => r[0]));
    }

    [Fact]
    public void BelongsToItsConnectionOnly()
    {
        using var insert = new SqlitePreparedInsert<Row>(s_insert, _connection);
        using var other = new SqliteConnection(_connection.ConnectionString);
        Assert.True(insert.IsFor(_connection));
        Assert.False(insert.IsFor(other));
    }

    private List<string?[]> ReadAll(string table)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"""SELECT "Key", "Number", "Small", "Flag", quote("Real"), quote("Single"), hex("Blob"), "Note", typeof("Note") FROM "{table}" ORDER BY "Key" """;
        using var reader = command.ExecuteReader();
        var rows = new List<string?[]>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }

        return rows;
    }

    public void Dispose()
    {
        _connection.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
