using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace HiPortal.Server.Persistence;

/// <summary>
/// An <see cref="SqlInsert{TRow}"/> prepared once on one SQLite connection and kept (SQLite's persistent-statement
/// hint) for as long as that connection lives, bound by position straight on the statement. Microsoft.Data.Sqlite
/// prepares a command's statement again for each command and allocates a binder per parameter per row; the decision
/// writer runs this for every offload. Runs inside whatever transaction the connection has open.
/// </summary>
public sealed class SqlitePreparedInsert<TRow> : IDisposable
{
    private const uint PreparePersistent = 0x01;

    private readonly SqlInsert<TRow> _insert;
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;

    /// <param name="insert">The columns and values.</param>
    /// <param name="connection">The connection the statement lives on.</param>
    /// <param name="sql">Another statement over the same parameters (e.g. <see cref="SqlInsert{TRow}.SqlUnless"/>); default: the insert's own.</param>
    public SqlitePreparedInsert(SqlInsert<TRow> insert, SqliteConnection connection, string? sql = null)
    {
        _insert = insert;
        _connection = connection;
        // SQLite binds "@Column" parameters by position as well: the i-th distinct name is index i + 1.
        var rc = raw.sqlite3_prepare_v3(connection.Handle, sql ?? insert.Sql, PreparePersistent, out _statement);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        var count = raw.sqlite3_bind_parameter_count(_statement);
        if (count != insert.Columns.Count)
        {
            _statement.Dispose();
            throw new InvalidOperationException($"The insert into {insert.Table} has {count} parameters, not {insert.Columns.Count}.");
        }
    }

    /// <summary>Whether this statement belongs to <paramref name="connection"/> (a replaced connection needs a new one).</summary>
    public bool IsFor(SqliteConnection connection) => ReferenceEquals(connection, _connection);

    /// <summary>The rowid of the connection's last inserted row (after <see cref="Insert"/> returned 1: that row's).</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_connection.Handle);

    /// <summary>Binds <paramref name="row"/> and runs the insert; the number of rows it inserted (0 on a conflict).</summary>
    public int Insert(TRow row)
    {
        var db = _connection.Handle;
        try
        {
            for (var i = 0; i < _insert.Columns.Count; i++)
            {
                SqliteException.ThrowExceptionForRC(Bind(i + 1, _insert.Value(i, row)), db);
            }

            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }

            return raw.sqlite3_changes(db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    private int Bind(int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(_statement, index),
        string text => raw.sqlite3_bind_text16(_statement, index, text.AsSpan()),
        long number => raw.sqlite3_bind_int64(_statement, index, number),
        int number => raw.sqlite3_bind_int64(_statement, index, number),
        bool flag => raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0),
        double number => raw.sqlite3_bind_double(_statement, index, number),
        float number => raw.sqlite3_bind_double(_statement, index, number),
        byte[] bytes => raw.sqlite3_bind_blob(_statement, index, bytes),
        _ => throw new NotSupportedException($"No SQLite binding for {value.GetType()}."),
    };

    public void Dispose() => _statement.Dispose();
}
