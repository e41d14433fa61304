using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Rollouts;

/// <summary>Evaluates every running rollout's gates on a schedule: advance, complete, or roll back (see <see cref="RolloutEngine"/>).</summary>
public sealed class RolloutService(IDbContextFactory<HiPortalDb> dbFactory, RolloutEngine engine, IOptions<RolloutOptions> options,
    TimeProvider time, ILogger<RolloutService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.EvaluationInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>One pass over the running rollouts; one that fails is logged and retried on the next pass.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        List<long> running;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            running = await db.Rollouts.AsNoTracking().Where(r => r.State == RolloutStates.Running).Select(r => r.Id).ToListAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not list running rollouts; the next pass retries");
            return;
        }

        foreach (var id in running)
        {
            try
            {
                await engine.EvaluateAsync(id, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Gate evaluation of rollout {RolloutId} failed; the next pass retries", id);
            }
        }
    }
}
