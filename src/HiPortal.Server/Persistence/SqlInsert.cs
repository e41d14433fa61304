using Microsoft.Data.Sqlite;

namespace HiPortal.Server.Persistence;

/// <summary>
/// A hand-written INSERT whose columns and values are declared together, once: each column's parameter is named
/// after it (<c>$Column</c>) and bound from the same entry, so the column list, the VALUES list and the binding
/// cannot drift apart (they once were three lists kept in step by position).
/// </summary>
/// <typeparam name="TRow">What one row is read from.</typeparam>
public sealed class SqlInsert<TRow>
{
    private readonly Func<TRow, object?>[] _values;
    private readonly string[] _names;

    /// <param name="table">The table.</param>
    /// <param name="suffix">What follows VALUES (...), e.g. an ON CONFLICT clause.</param>
    /// <param name="columns">Each column with how its value is read from a row; null is stored as NULL.</param>
    public SqlInsert(string table, string suffix, params (string Column, Func<TRow, object?> Value)[] columns)
    {
        _values = columns.Select(c => c.Value).ToArray();
        _names = columns.Select(c => "$" + c.Column).ToArray();
        Sql = $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Column))}) " +
            $"VALUES ({string.Join(", ", _names)}) {suffix}";
    }

    public string Sql { get; }

    /// <summary>A command for this insert with its parameters added (by name), ready to bind rows into.</summary>
    public Command CreateCommand(SqliteConnection connection, SqliteTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        var parameters = new SqliteParameter[_names.Length];
        for (var i = 0; i < _names.Length; i++)
        {
            parameters[i] = command.Parameters.Add(new SqliteParameter { ParameterName = _names[i] });
        }

        return new Command(this, command, parameters);
    }

    /// <summary>The command and its parameters, kept so binding a row is a pass over an array (the hot path).</summary>
    public sealed class Command(SqlInsert<TRow> insert, SqliteCommand command, SqliteParameter[] parameters) : IAsyncDisposable
    {
        public SqliteCommand Sqlite => command;

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
