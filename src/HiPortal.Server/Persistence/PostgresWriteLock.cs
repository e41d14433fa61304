using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HiPortal.Server.Persistence;

/// <summary>
/// SQLite runs one write transaction at a time (<c>BEGIN IMMEDIATE</c>), and the features' read-modify-write code
/// relies on it: a fleet change bumps each device's config version once, the last admin cannot be disabled twice
/// over, presence flushes do not interleave. On PostgreSQL (READ COMMITTED) that would be lost updates, so every
/// transaction EF Core begins takes one transaction-scoped advisory lock first: the same one-writer-at-a-time rule,
/// across every instance on the database, released at commit or rollback. The hot path does not pass here: decision
/// batches go through their own connections (<see cref="IRawDatabase"/>), and most SaveChanges are one statement
/// with no transaction at all.
/// </summary>
internal sealed class PostgresWriteLock : DbTransactionInterceptor
{
    /// <summary>"HIwriter" in ASCII; not the migration lock's key.</summary>
    public const long LockKey = 0x4849777269746572;

    private static readonly string s_sql = $"SELECT pg_advisory_xact_lock({LockKey})";

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        using var command = Command(connection, result);
        command.ExecuteNonQuery();
        return result;
    }

    public override async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData,
        DbTransaction result, CancellationToken cancellationToken = default)
    {
        await AcquireAsync(connection, result, cancellationToken);
        return result;
    }

    /// <summary>Takes the lock inside <paramref name="transaction"/> (raw SQL's transactions, which EF Core does not see).</summary>
    public static async Task AcquireAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = s_sql;
        return command;
    }
}
