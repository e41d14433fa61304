using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Rollouts;

/// <summary>
/// What a rollout does to devices, inside the caller's unit of work: change the next stage's devices, put changed
/// devices back, or make the change the target's own at the end. Each returns the <see cref="ConfigBatch"/> whose
/// bumped devices are notified after the commit.
/// </summary>
internal static class RolloutChanges
{
    /// <summary>The target's devices (tracked), in no particular order.</summary>
    public static async Task<List<Device>> TargetAsync(HiPortalDb db, string? fleet, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var query = db.Devices.Where(d => d.RevokedAt == null);
        query = fleet is null ? query : query.Where(d => d.Fleet == fleet);
        foreach (var tag in tags)
        {
            query = query.Where(d => d.Tags.Contains(tag));
        }

        return await query.ToListAsync(cancellationToken);
    }

    /// <summary>Changes the devices the current stage covers that are not changed yet.</summary>
    public static async Task<ConfigBatch> ApplyStageAsync(HiPortalDb db, Rollout rollout, DateTime now, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(db, rollout.Fleet, rollout.Tags, cancellationToken);
        var changed = (await db.RolloutDevices.Where(d => d.RolloutId == rollout.Id).Select(d => d.DeviceId).ToListAsync(cancellationToken)).ToHashSet();
        var chosen = RolloutSelection.Choose(rollout.Salt, target.Select(d => d.Id), rollout.Stages[rollout.Stage].Percent).ToHashSet();
        var devices = target.Where(d => chosen.Contains(d.Id) && !changed.Contains(d.Id)).ToList();
        var batch = new ConfigBatch(await FleetsAsync(db, devices, cancellationToken), devices);
        var rows = devices.Select(d => new RolloutDevice
        {
            RolloutId = rollout.Id,
            DeviceId = d.Id,
            Stage = rollout.Stage,
            ChangedAt = now,
            PreviousOverrides = d.Overrides,
            PreviousTinyModel = d.TinyModelOverride,
        }).ToList();
        foreach (var device in devices)
        {
            device.Overrides = rollout.Change.Over(device.Overrides);
            device.TinyModelOverride = rollout.TinyModel ?? device.TinyModelOverride;
        }

        var bumped = batch.Commit(db, now).Select(d => d.Id).ToHashSet();
        var nowMs = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeMilliseconds();
        foreach (var (row, device) in rows.Zip(devices))
        {
            row.Version = device.ConfigVersion;
            // A device that already ran these values gets no new version to acknowledge: it runs the change now.
            row.AppliedAtMs = bumped.Contains(device.Id) ? null : nowMs;
        }

        db.RolloutDevices.AddRange(rows);
        return batch;
    }

    /// <summary>Puts every changed device back to the overrides and tiny model it had before the rollout.</summary>
    public static async Task<ConfigBatch> RollBackAsync(HiPortalDb db, Rollout rollout, DateTime now, CancellationToken cancellationToken)
    {
        var rows = await db.RolloutDevices.Where(d => d.RolloutId == rollout.Id && d.RolledBackAt == null).ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.DeviceId).ToList();
        var devices = await db.Devices.Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken);
        var batch = new ConfigBatch(await FleetsAsync(db, devices, cancellationToken), devices);
        Restore(rows, devices);
        foreach (var row in rows)
        {
            row.RolledBackAt = now;
        }

        batch.Commit(db, now);
        return batch;
    }

    /// <summary>
    /// The last stage passed. A whole-fleet rollout becomes the fleet's desired configuration (and tiny model), and its
    /// devices lose the rollout's overrides (devices outside it, e.g. registered since, get it from the fleet); a tag
    /// rollout's values stay as those devices' overrides.
    /// </summary>
    public static async Task<ConfigBatch?> CompleteAsync(HiPortalDb db, Rollout rollout, DateTime now, CancellationToken cancellationToken)
    {
        if (rollout.Fleet is null || rollout.Tags.Count > 0)
        {
            return null;
        }

        var fleet = await db.Fleets.FirstAsync(f => f.Name == rollout.Fleet, cancellationToken);
        var devices = await db.Devices.Where(d => d.Fleet == rollout.Fleet).ToListAsync(cancellationToken);
        var batch = new ConfigBatch(new Dictionary<string, Fleet> { [fleet.Name] = fleet }, devices);
        fleet.Config = rollout.Change.Over(fleet.Config);
        fleet.TinyModel = rollout.TinyModel ?? fleet.TinyModel;
        var rows = await db.RolloutDevices.Where(d => d.RolloutId == rollout.Id && d.RolledBackAt == null).ToListAsync(cancellationToken);
        Restore(rows, devices);
        batch.Commit(db, now);
        return batch;
    }

    private static void Restore(List<RolloutDevice> rows, List<Device> devices)
    {
        var byId = devices.ToDictionary(d => d.Id);
        foreach (var row in rows)
        {
            if (byId.TryGetValue(row.DeviceId, out var device))
            {
                device.Overrides = row.PreviousOverrides;
                device.TinyModelOverride = row.PreviousTinyModel;
            }
        }
    }

    private static async Task<Dictionary<string, Fleet>> FleetsAsync(HiPortalDb db, List<Device> devices, CancellationToken cancellationToken)
    {
        var names = devices.Select(d => d.Fleet).Distinct().ToList();
        return await db.Fleets.Where(f => names.Contains(f.Name)).ToDictionaryAsync(f => f.Name, cancellationToken);
    }
}
