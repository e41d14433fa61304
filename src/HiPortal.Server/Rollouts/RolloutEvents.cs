namespace HiPortal.Server.Rollouts;

/// <summary>A rollout moved (stage, state, gate values): what the dashboard's live view refreshes on.</summary>
public sealed record RolloutChanged(long RolloutId, string State, int Stage);

/// <summary>A gate failed and the rollout rolled its devices back: what an alarm is raised from.</summary>
public sealed record RolloutGateFailure(long RolloutId, string? Fleet, int Stage, string Failure, int DevicesRolledBack, DateTime At);

/// <summary>
/// In-process notifications of rollout transitions, made after each commit on the instance that made it: dashboard
/// components subscribe to <see cref="Changed"/>; <see cref="GateFailed"/> is the hook for alarms.
/// </summary>
public sealed class RolloutEvents(ILogger<RolloutEvents> logger)
{
    public event Func<RolloutChanged, Task>? Changed;

    public event Func<RolloutGateFailure, Task>? GateFailed;

    internal async Task PublishAsync(RolloutChanged change, RolloutGateFailure? failure)
    {
        if (failure is not null)
        {
            foreach (var handler in GateFailed?.GetInvocationList().Cast<Func<RolloutGateFailure, Task>>() ?? [])
            {
                try
                {
                    await handler(failure);
                }
                catch (Exception ex)
                {
                    // A broken subscriber must not undo a committed rollback, nor stop the dashboard's refresh.
                    logger.LogError(ex, "A rollout gate-failure subscriber failed");
                }
            }
        }

        foreach (var handler in Changed?.GetInvocationList().Cast<Func<RolloutChanged, Task>>() ?? [])
        {
            try
            {
                await handler(change);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or TaskCanceledException)
            {
                // A closed dashboard circuit.
            }
        }
    }
}
