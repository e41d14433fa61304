using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Retention;

/// <summary>What one pass deleted.</summary>
public sealed record RetentionPass(long Decisions, long Telemetry);

/// <summary>
/// Deletes decisions and telemetry reports past <see cref="RetentionOptions"/>, at start-up and then every
/// <see cref="RetentionOptions.Interval"/>, oldest first, a few hundred rows per write transaction: each transaction
/// waits for its turn at the write gate like any writer, and the decision writer's urgent turns go first, so a backlog
/// of millions of rows is worked off without stalling the offloads. Several instances on one database each run it;
/// the deletes are the same, so the second finds nothing.
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

    /// <summary>One pass: everything past its bound at this moment, in transactions of <see cref="RetentionOptions.RowsPerTransaction"/>.</summary>
    public async Task<RetentionPass> PruneAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var decisions = await DeleteOlderThanAsync("decisions", DecisionsSql, o.Decisions, now, o.RowsPerTransaction, cancellationToken);
        var telemetry = await DeleteOlderThanAsync("telemetry", TelemetrySql, o.Telemetry, now, o.RowsPerTransaction, cancellationToken);
        if (decisions + telemetry > 0)
        {
            logger.LogInformation("Retention deleted {Decisions} decisions older than {DecisionsKept} and {Telemetry} telemetry reports older than {TelemetryKept}",
                decisions, o.Decisions, telemetry, o.Telemetry);
        }

        return new RetentionPass(decisions, telemetry);
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

    private async Task<int> DeleteChunkAsync(string sql, long cutoff, int limit, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken: cancellationToken);
        // SQLite: the decision writer's own connection, so its page cache stays warm (a write on any other connection
        // would make it read every index page it touches again); PostgreSQL: the pool.
        await using var lease = await database.OpenWriterAsync(cancellationToken);
        lease.Broken = true; // until the commit succeeds
        await using var transaction = await database.BeginWriteAsync(lease.Connection, cancellationToken);
        await using var delete = SqlCommands.Create(lease.Connection, transaction, sql, "@cutoff", "@limit");
        delete.Parameters[0].Value = cutoff;
        delete.Parameters[1].Value = limit;
        var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        lease.Broken = false;
        return deleted;
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
