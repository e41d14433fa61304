using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Retention;

/// <summary>
/// What one pass deleted, and how many pages of the database file it gave back to the disk; <paramref name="Skipped"/>
/// when another instance on the same database was running its own pass.
/// </summary>
public sealed record RetentionPass(long Decisions, long Telemetry, long PagesFreed = 0, bool Skipped = false);

/// <summary>
/// Deletes decisions and telemetry reports past <see cref="RetentionOptions"/>, at start-up and then every
/// <see cref="RetentionOptions.Interval"/>, oldest first, a few hundred rows per write transaction: each transaction
/// waits for its turn at the write gate like any writer, and the decision writer's urgent turns go first, so a backlog
/// of millions of rows is worked off without stalling the offloads. Several instances on one database take turns:
/// a pass runs under a lock of the database's own (<see cref="IRawDatabase.TryLockAsync"/>), and an instance that
/// finds it taken skips its pass. After deleting, a pass gives the freed pages of a SQLite file back to the disk,
/// a few at a time (<see cref="IRawDatabase.ReclaimAsync"/>), so the file shrinks as the tables do.
/// </summary>
public sealed class RetentionService(IRawDatabase database, WriteGate gate, HiPortalMetrics metrics,
    IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    // Each table is walked by its time index; the ids go into the outer DELETE so both providers delete by key.
    internal const string DecisionsSql =
        "DELETE FROM \"Decisions\" WHERE \"Id\" IN (SELECT \"Id\" FROM \"Decisions\" WHERE \"ReceivedAtMs\" < @cutoff " +
        "ORDER BY \"ReceivedAtMs\" LIMIT @limit)";

    internal const string TelemetrySql =
        "DELETE FROM \"Telemetry\" WHERE \"Id\" IN (SELECT \"Id\" FROM \"Telemetry\" WHERE \"PeriodEndMs\" < @cutoff " +
        "ORDER BY \"PeriodEndMs\" LIMIT @limit)";

    private readonly SemaphoreSlim _pass = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Deleting expired decisions and telemetry failed; the next pass tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>The advisory lock's key on PostgreSQL: "HiPortRe" in ASCII, recognisable in pg_locks.</summary>
    public const long LockKey = 0x4869506f72745265;

    /// <summary>Free pages given back per write transaction (4 MiB at SQLite's 4 KiB pages).</summary>
    internal const int PagesPerTransaction = 1024;

    /// <summary>
    /// One pass: everything past its bound at this moment, in transactions of <see cref="RetentionOptions.RowsPerTransaction"/>,
    /// then the file's free pages in transactions of <see cref="PagesPerTransaction"/>.
    /// </summary>
    public async Task<RetentionPass> PruneAsync(CancellationToken cancellationToken)
    {
        // In this instance a pass waits for the one running (the timer's, or a caller's); across instances it skips.
        await _pass.WaitAsync(cancellationToken);
        try
        {
            await using var turn = await database.TryLockAsync(LockKey, cancellationToken);
            if (turn is null)
            {
                logger.LogDebug("Another instance is running a retention pass on this database; this one skips its turn");
                return new RetentionPass(0, 0, Skipped: true);
            }

            return await PruneLockedAsync(cancellationToken);
        }
        finally
        {
            _pass.Release();
        }
    }

    private async Task<RetentionPass> PruneLockedAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var decisions = await DeleteOlderThanAsync("decisions", DecisionsSql, o.Decisions, now, o.RowsPerTransaction, cancellationToken);
        var telemetry = await DeleteOlderThanAsync("telemetry", TelemetrySql, o.Telemetry, now, o.RowsPerTransaction, cancellationToken);
        if (decisions + telemetry == 0)
        {
            return new RetentionPass(0, 0);
        }

        var pages = await ReclaimAsync(cancellationToken);
        logger.LogInformation("Retention deleted {Decisions} decisions older than {DecisionsKept} and {Telemetry} telemetry reports older than {TelemetryKept}, " +
            "and gave {Pages} free pages of the database file back to the disk",
            decisions, o.Decisions, telemetry, o.Telemetry, pages);
        return new RetentionPass(decisions, telemetry, pages);
    }

    private async Task<long> ReclaimAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var (freed, left) = await InWriteTurnAsync(
                (connection, transaction) => database.ReclaimAsync(connection, transaction, PagesPerTransaction, cancellationToken),
                cancellationToken);
            total += freed;
            // None freed with some left: a file still without auto_vacuum (its one-time rewrite failed at start-up).
            if (left == 0 || freed == 0)
            {
                return total;
            }
        }
    }

    private async Task<long> DeleteOlderThanAsync(string table, string sql, TimeSpan keep, DateTimeOffset now, int limit,
        CancellationToken cancellationToken)
    {
        if (keep == TimeSpan.Zero)
        {
            return 0;
        }

        var cutoff = (now - keep).ToUnixTimeMilliseconds();
        long total = 0;
        while (true)
        {
            var deleted = await DeleteChunkAsync(sql, cutoff, limit, cancellationToken);
            total += deleted;
            metrics.RowsExpired(table, deleted);
            if (deleted < limit)
            {
                return total;
            }
        }
    }

    private Task<int> DeleteChunkAsync(string sql, long cutoff, int limit, CancellationToken cancellationToken) =>
        InWriteTurnAsync(async (connection, transaction) =>
        {
            await using var delete = SqlCommands.Create(connection, transaction, sql, "@cutoff", "@limit");
            delete.Parameters[0].Value = cutoff;
            delete.Parameters[1].Value = limit;
            return await delete.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    /// <summary>One write transaction, at its turn at the write gate, committed when <paramref name="work"/> returns.</summary>
    private async Task<T> InWriteTurnAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<T>> work,
        CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken: cancellationToken);
        // SQLite: the decision writer's own connection, so its page cache stays warm (a write on any other connection
        // would make it read every index page it touches again); PostgreSQL: the pool.
        await using var lease = await database.OpenWriterAsync(cancellationToken);
        lease.Broken = true; // until the commit succeeds
        await using var transaction = await database.BeginWriteAsync(lease.Connection, cancellationToken);
        var result = await work(lease.Connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        lease.Broken = false;
        return result;
    }
}

public static class RetentionExtensions
{
    public static IHostApplicationBuilder AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(s => s.GetRequiredService<RetentionService>());
        return builder;
    }
}
