using HiPortal.Server.Advice;
using HiPortal.Server.Rollouts;

namespace HiPortal.Server.Alarms;

/// <summary>
/// Joins the closed loop's parts at start-up: a fleet's drift detection restarts its online threshold learner (what it
/// learnt describes the old distribution), and a rollout gate that failed raises a <see cref="AlarmKinds.RolloutGate"/>
/// alarm for that rollout. The alarm stays open until an admin acknowledges it: a rolled-back rollout does not resume.
/// </summary>
public sealed class ClosedLoopHooks(FleetDrift drift, FleetLearners learners, RolloutEvents rollouts, IAlarmRaiser alarms,
    ILogger<ClosedLoopHooks> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        drift.Detected += ResetLearnerAsync;
        rollouts.GateFailed += RaiseGateAlarmAsync;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        drift.Detected -= ResetLearnerAsync;
        rollouts.GateFailed -= RaiseGateAlarmAsync;
        return Task.CompletedTask;
    }

    public static string Scope(long rolloutId) => $"rollout:{rolloutId}";

    private Task ResetLearnerAsync(DriftDetection detection)
    {
        learners.Reset(detection.Fleet);
        logger.LogInformation("Drift in fleet {Fleet}: its online threshold learner starts again", detection.Fleet);
        return Task.CompletedTask;
    }

    // Awaited by the rollout service after the rollback committed: the alarm is open by the time the pass ends.
    private async Task RaiseGateAlarmAsync(RolloutGateFailure failure)
    {
        try
        {
            var detail = $"stage {failure.Stage + 1} of rollout {failure.RolloutId} ({failure.Fleet ?? "tags"}) failed: {failure.Failure}; "
                + $"{failure.DevicesRolledBack} devices rolled back";
            await alarms.RaiseAsync(AlarmKinds.RolloutGate, Scope(failure.RolloutId), detail);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not raise the gate alarm of rollout {Rollout}", failure.RolloutId);
        }
    }
}
