using System.Text.Json;
using HiPortal.Server.Audit;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Rollouts;

/// <summary>The outcome of a rollout action: the rollout after it, or why not (404, or 409 for a transition its state does not allow).</summary>
public sealed record RolloutActionResult(Rollout? Rollout, bool NotFound = false, string? Conflict = null);

/// <summary>
/// Every rollout transition goes through here, each in one transaction with its audit row (scope "rollout"): the
/// gate evaluation that advances, completes or rolls back a running rollout, and the admin's pause, resume, promote
/// and abort. Devices are notified and subscribers told after the commit.
/// </summary>
public sealed class RolloutEngine(IDbContextFactory<HiPortalDb> dbFactory, ConfigNotifier notifier, RolloutEvents events, TimeProvider time,
    Ingest.DeviceHistory history)
{
    public const string SystemActor = "rollout";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Saves a new, validated rollout and changes its first stage's devices; or, when another rollout for its target
    /// became active since it was planned, saves nothing and says which (<see cref="RolloutPlanner.BusyAsync"/>).
    /// </summary>
    public async Task<(Rollout? Started, string? Conflict)> StartAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await RolloutPlanner.BusyAsync(db, rollout.Fleet, cancellationToken) is { } busy)
        {
            return (null, busy);
        }

        var now = time.GetUtcNow().UtcDateTime;
        rollout.CreatedAt = rollout.UpdatedAt = rollout.StageStartedAt = now;
        db.Rollouts.Add(rollout);
        await db.SaveChangesAsync(cancellationToken);
        var batch = await RolloutChanges.ApplyStageAsync(db, rollout, now, cancellationToken);
        AuditLog.Record(db, now, rollout.CreatedBy, "rollout.create", "rollout", Target(rollout), null, Describe(rollout), rollout.Reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        batch.Notify(notifier);
        await events.PublishAsync(new RolloutChanged(rollout.Id, rollout.State, rollout.Stage), null);
        return (rollout, null);
    }

    /// <summary>One gate evaluation of a running rollout: records the gate values, then advances, completes or rolls back.</summary>
    public async Task<RolloutActionResult> EvaluateAsync(long id, CancellationToken cancellationToken)
    {
        // The decisions counted are found by device (RolloutSignals): index what is stored first, outside the
        // transaction below, which on SQLite holds the write lock the index pass needs.
        await history.CatchUpAsync(cancellationToken);
        return await TransitionAsync(id, SystemActor, null, async (db, rollout, now) =>
        {
            if (rollout.State != RolloutStates.Running)
            {
                return new Step(null, null, null);
            }

            var changed = await db.RolloutDevices.Where(d => d.RolloutId == id && d.RolledBackAt == null).ToListAsync(cancellationToken);
            var counts = await RolloutSignals.CountAsync(db, rollout, changed, cancellationToken);
            var health = RolloutHealth.Evaluate(now, rollout.Stage, rollout.Stages[rollout.Stage], rollout.Gates, counts, now - rollout.StageStartedAt);
            rollout.LastHealth = JsonSerializer.Serialize(health, s_json);
            return health.Verdict switch
            {
                GateStatus.Pass => await AdvanceAsync(db, rollout, now, "rollout.advance"),
                GateStatus.Fail => await FailAsync(db, rollout, now, health.Failure!),
                _ => new Step(null, null, null),
            };
        }, cancellationToken);
    }

    public Task<RolloutActionResult> PauseAsync(long id, string actor, string? reason, CancellationToken cancellationToken) =>
        TransitionAsync(id, actor, reason, (_, rollout, _) =>
        {
            if (rollout.State != RolloutStates.Running)
            {
                return Task.FromResult(Step.Refused($"only a running rollout can be paused; this one is {rollout.State}"));
            }

            rollout.State = RolloutStates.Paused;
            rollout.StatusMessage = reason ?? "paused";
            return Task.FromResult(new Step("rollout.pause", null, null));
        }, cancellationToken);

    /// <summary>Runs a paused rollout again; its stage soaks afresh (the pause may have hidden problems).</summary>
    public Task<RolloutActionResult> ResumeAsync(long id, string actor, string? reason, CancellationToken cancellationToken) =>
        TransitionAsync(id, actor, reason, (_, rollout, now) =>
        {
            if (rollout.State != RolloutStates.Paused)
            {
                return Task.FromResult(Step.Refused($"only a paused rollout can be resumed; this one is {rollout.State}"));
            }

            rollout.State = RolloutStates.Running;
            rollout.StatusMessage = null;
            rollout.StageStartedAt = now;
            return Task.FromResult(new Step("rollout.resume", null, null));
        }, cancellationToken);

    /// <summary>Moves to the next stage (or completes) now, without waiting for soak or gates: the admin's call.</summary>
    public Task<RolloutActionResult> PromoteAsync(long id, string actor, string? reason, CancellationToken cancellationToken) =>
        TransitionAsync(id, actor, reason, async (db, rollout, now) =>
        {
            if (!RolloutStates.IsActive(rollout.State))
            {
                return Step.Refused($"only a running or paused rollout can be promoted; this one is {rollout.State}");
            }

            rollout.State = RolloutStates.Running;
            rollout.StatusMessage = null;
            return await AdvanceAsync(db, rollout, now, "rollout.promote");
        }, cancellationToken);

    /// <summary>Stops the rollout and puts every device it changed back.</summary>
    public Task<RolloutActionResult> AbortAsync(long id, string actor, string? reason, CancellationToken cancellationToken) =>
        TransitionAsync(id, actor, reason, async (db, rollout, now) =>
        {
            if (!RolloutStates.IsActive(rollout.State))
            {
                return Step.Refused($"only a running or paused rollout can be aborted; this one is {rollout.State}");
            }

            rollout.State = RolloutStates.Aborted;
            rollout.StatusMessage = reason ?? "aborted";
            return new Step("rollout.abort", await RolloutChanges.RollBackAsync(db, rollout, now, cancellationToken), null);
        }, cancellationToken);

    private static async Task<Step> AdvanceAsync(HiPortalDb db, Rollout rollout, DateTime now, string action)
    {
        if (rollout.Stage == rollout.Stages.Count - 1)
        {
            rollout.State = RolloutStates.Completed;
            return new Step(action, await RolloutChanges.CompleteAsync(db, rollout, now, CancellationToken.None), null);
        }

        rollout.Stage++;
        rollout.StageStartedAt = now;
        return new Step(action, await RolloutChanges.ApplyStageAsync(db, rollout, now, CancellationToken.None), null);
    }

    private static async Task<Step> FailAsync(HiPortalDb db, Rollout rollout, DateTime now, string failure)
    {
        rollout.State = RolloutStates.RolledBack;
        rollout.StatusMessage = $"stage {rollout.Stage + 1} gate failed: {failure}";
        var batch = await RolloutChanges.RollBackAsync(db, rollout, now, CancellationToken.None);
        var rolledBack = db.ChangeTracker.Entries<RolloutDevice>().Count(e => e.Entity.RolloutId == rollout.Id && e.Entity.RolledBackAt == now);
        return new Step("rollout.gate-failed", batch, new RolloutGateFailure(rollout.Id, rollout.Fleet, rollout.Stage, failure, rolledBack, now));
    }

    /// <summary>A transition's effect: the audit action (null: nothing to record), the devices to notify, a gate failure to report.</summary>
    private sealed record Step(string? Action, ConfigBatch? Batch, RolloutGateFailure? Failure, string? Conflict = null)
    {
        public static Step Refused(string why) => new(null, null, null, why);
    }

    private async Task<RolloutActionResult> TransitionAsync(long id, string actor, string? reason,
        Func<HiPortalDb, Rollout, DateTime, Task<Step>> transition, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rollout = await db.Rollouts.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (rollout is null)
        {
            return new RolloutActionResult(null, NotFound: true);
        }

        var before = new { rollout.State, stage = rollout.Stage + 1 };
        var now = time.GetUtcNow().UtcDateTime;
        var step = await transition(db, rollout, now);
        if (step.Conflict is not null)
        {
            return new RolloutActionResult(rollout, Conflict: step.Conflict);
        }

        if (step.Action is not null)
        {
            rollout.UpdatedAt = now;
            AuditLog.Record(db, now, actor, step.Action, "rollout", Target(rollout), before,
                new { rollout.State, stage = rollout.Stage + 1, devicesChanged = step.Batch?.Bumped.Count ?? 0, rollout.StatusMessage },
                reason ?? step.Failure?.Failure);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        step.Batch?.Notify(notifier);
        await events.PublishAsync(new RolloutChanged(rollout.Id, rollout.State, rollout.Stage), step.Failure);
        return new RolloutActionResult(rollout);
    }

    private static string Target(Rollout rollout) => rollout.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static object Describe(Rollout r) => new
    {
        r.Fleet,
        r.Tags,
        change = r.Change.Describe(),
        r.TinyModel,
        r.Stages,
        r.Gates,
    };
}
