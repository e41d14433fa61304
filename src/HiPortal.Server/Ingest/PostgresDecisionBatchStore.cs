using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace HiPortal.Server.Ingest;

/// <summary>
/// PostgreSQL: the batch goes in by binary COPY into a temporary staging table (dropped at commit), then one
/// <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING</c> moves it into Decisions: three round trips per batch
/// instead of one per row. The staging table has the same column types as Decisions (made from it), and each value
/// is written in its column's type, read from the EF Core model once.
/// </summary>
internal sealed class PostgresDecisionBatchStore : IDecisionBatchStore
{
    private static readonly SqlInsert<InferenceRequest> s_rows = DecisionRows.Insert;
    private readonly NpgsqlDataSource _dataSource;
    private readonly (NpgsqlDbType Type, Func<object, object> Convert)[] _columns;
    private readonly string _createStaging;
    private readonly string _copy;
    private readonly string _moveIntoDecisions;

    public PostgresDecisionBatchStore(NpgsqlDataSource dataSource, IDbContextFactory<HiPortalDb> dbFactory)
    {
        _dataSource = dataSource;
        using (var db = dbFactory.CreateDbContext())
        {
            var entity = db.Model.FindEntityType(typeof(Decision))!;
            _columns = s_rows.Columns.Select(c => Writer(entity.FindProperty(c)!.GetColumnType())).ToArray();
        }

        var columns = string.Join(", ", s_rows.Columns.Select(SqlInsert<InferenceRequest>.Quote));
        var key = string.Join(", ", s_rows.ConflictColumns.Select(SqlInsert<InferenceRequest>.Quote));
        _createStaging = $"""
            CREATE TEMPORARY TABLE decision_staging ON COMMIT DROP AS
            SELECT 0 AS "Ord", {columns} FROM "Decisions" WITH NO DATA
            """;
        _copy = $"""COPY decision_staging ("Ord", {columns}) FROM STDIN (FORMAT BINARY)""";
        // DISTINCT ON keeps each key's first occurrence in the batch, the one SQLite's row-by-row insert would keep.
        _moveIntoDecisions = $"""
            INSERT INTO "Decisions" ({columns})
            SELECT {columns} FROM (
                SELECT DISTINCT ON ({key}) * FROM decision_staging ORDER BY {key}, "Ord") AS firsts
            ON CONFLICT ({key}) DO NOTHING
            RETURNING {key}
            """;
    }

    public async Task<bool[]> InsertAsync(List<InferenceRequest> requests)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand(_createStaging, connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(_copy))
        {
            for (var i = 0; i < requests.Count; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                for (var c = 0; c < _columns.Length; c++)
                {
                    if (s_rows.Value(c, requests[i]) is { } value)
                    {
                        await copy.WriteAsync(_columns[c].Convert(value), _columns[c].Type);
                    }
                    else
                    {
                        await copy.WriteNullAsync();
                    }
                }
            }

            await copy.CompleteAsync();
        }

        var stored = new HashSet<(string, string)>();
        await using (var move = new NpgsqlCommand(_moveIntoDecisions, connection, transaction))
        await using (var reader = await move.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await transaction.CommitAsync();
        var inserted = new bool[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            // Remove: only the first occurrence of a key in the batch counts as the inserted one.
            inserted[i] = stored.Remove((requests[i].Decision!.DeviceId, requests[i].Decision!.SampleId));
        }

        return inserted;
    }

    private static (NpgsqlDbType, Func<object, object>) Writer(string columnType) => columnType switch
    {
        "bigint" => (NpgsqlDbType.Bigint, v => Convert.ToInt64(v, null)),
        "integer" => (NpgsqlDbType.Integer, v => Convert.ToInt32(v, null)),
        "double precision" => (NpgsqlDbType.Double, v => Convert.ToDouble(v, null)),
        "boolean" => (NpgsqlDbType.Boolean, v => v),
        "bytea" => (NpgsqlDbType.Bytea, v => v),
        "text" => (NpgsqlDbType.Text, v => v),
        _ when columnType.StartsWith("character varying", StringComparison.Ordinal) => (NpgsqlDbType.Varchar, v => v),
        _ => throw new InvalidOperationException($"Decisions has a column of type {columnType} the COPY writer does not know"),
    };
}
