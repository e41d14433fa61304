using System.Data.Common;

namespace HiPortal.Server.Persistence;

/// <summary>
/// A hand-written INSERT whose columns and values are declared together, once: each column's parameter is named
/// after it (<c>@Column</c>) and bound from the same entry, so the column list, the VALUES list and the binding
/// cannot drift apart (they once were three lists kept in step by position). Identifiers are double-quoted, which
/// both SQLite and PostgreSQL read as the exact (case-sensitive) name EF Core created.
/// </summary>
/// <typeparam name="TRow">What one row is read from.</typeparam>
public sealed class SqlInsert<TRow>
{
    private readonly Func<TRow, object?>[] _values;
    private readonly string[] _names;

    /// <param name="table">The table.</param>
    /// <param name="conflictColumns">The unique key: a row that collides on it inserts nothing (ON CONFLICT DO NOTHING).</param>
    /// <param name="columns">Each column with how its value is read from a row; null is stored as NULL.</param>
    public SqlInsert(string table, string[] conflictColumns, params (string Column, Func<TRow, object?> Value)[] columns)
    {
        _values = columns.Select(c => c.Value).ToArray();
        _names = columns.Select(c => c.Column).ToArray();
        Columns = _names;
        Table = table;
        ConflictColumns = conflictColumns;
        Sql = $"INSERT INTO {Quote(table)} ({string.Join(", ", _names.Select(Quote))}) " +
            $"VALUES ({string.Join(", ", _names.Select(n => "@" + n))}) " +
            $"ON CONFLICT ({string.Join(", ", conflictColumns.Select(Quote))}) DO NOTHING";
    }

    public string Sql { get; }

    /// <summary>
    /// The same insert guarded by a query instead of a unique key: it inserts nothing when
    /// <paramref name="existsQuery"/> (which may use the columns' parameters) finds a row.
    /// </summary>
    public string SqlUnless(string existsQuery) =>
        $"INSERT INTO {Quote(Table)} ({string.Join(", ", _names.Select(Quote))}) " +
        $"SELECT {string.Join(", ", _names.Select(n => "@" + n))} WHERE NOT EXISTS ({existsQuery})";

    public string Table { get; }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<string> ConflictColumns { get; }

    public static string Quote(string identifier) => $"\"{identifier}\"";

    /// <summary>The value of column <paramref name="index"/> for <paramref name="row"/> (null for NULL).</summary>
    public object? Value(int index, TRow row) => _values[index](row);

    /// <summary>A command for this insert with its parameters added (by name), ready to bind rows into.</summary>
    public Command CreateCommand(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        var parameters = new DbParameter[_names.Length];
        for (var i = 0; i < _names.Length; i++)
        {
            parameters[i] = command.CreateParameter();
            parameters[i].ParameterName = "@" + _names[i];
            command.Parameters.Add(parameters[i]);
        }

        return new Command(this, command, parameters);
    }

    /// <summary>The command and its parameters, kept so binding a row is a pass over an array (the hot path).</summary>
    public sealed class Command(SqlInsert<TRow> insert, DbCommand command, DbParameter[] parameters) : IAsyncDisposable
    {
        public DbCommand Db => command;

        /// <summary>Binds <paramref name="row"/> and runs the insert; the number of rows it inserted (0 on a conflict).</summary>
        public Task<int> InsertAsync(TRow row, CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = insert._values[i](row) ?? DBNull.Value;
            }

            return command.ExecuteNonQueryAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => command.DisposeAsync();
    }
}
