using System.Text.Json;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Rollouts;

/// <summary>A rollout as the API and the dashboard show it: target, change, stages, where it is, and the last gate values.</summary>
public sealed record RolloutView(long Id, string? Fleet, List<string> Tags, object Change, string? TinyModel, List<RolloutStage> Stages,
    RolloutGates Gates, string State, int Stage, DateTime StageStartedAt, DateTime CreatedAt, DateTime UpdatedAt, string CreatedBy,
    string? Reason, string? StatusMessage, int DevicesChanged, int DevicesRolledBack, RolloutHealth? Health);

public sealed record RolloutDeviceView(string DeviceId, int Stage, DateTime ChangedAt, long Version, bool Applied, DateTime? RolledBackAt);

public sealed record RolloutDetail(RolloutView Rollout, List<RolloutDeviceView> Devices);

/// <summary>The rollout reads, shared by the admin API and the dashboard page.</summary>
public sealed class RolloutQueries(IDbContextFactory<HiPortalDb> dbFactory)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Newest first, optionally one fleet's or in one state.</summary>
    public async Task<List<RolloutView>> ListAsync(string? fleet, string? state, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Rollouts.AsNoTracking();
        query = fleet is null ? query : query.Where(r => r.Fleet == fleet);
        query = state is null ? query : query.Where(r => r.State == state);
        var rollouts = await query.OrderByDescending(r => r.Id).Take(200).ToListAsync(cancellationToken);
        var ids = rollouts.Select(r => r.Id).ToList();
        var counts = await db.RolloutDevices.AsNoTracking().Where(d => ids.Contains(d.RolloutId))
            .GroupBy(d => d.RolloutId)
            .Select(g => new { Id = g.Key, Changed = g.Count(), RolledBack = g.Count(d => d.RolledBackAt != null) })
            .ToDictionaryAsync(x => x.Id, cancellationToken);
        return rollouts.Select(r => View(r, counts.GetValueOrDefault(r.Id)?.Changed ?? 0, counts.GetValueOrDefault(r.Id)?.RolledBack ?? 0)).ToList();
    }

    public async Task<RolloutDetail?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rollout = await db.Rollouts.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (rollout is null)
        {
            return null;
        }

        var devices = await db.RolloutDevices.AsNoTracking().Where(d => d.RolloutId == id).OrderBy(d => d.Stage).ThenBy(d => d.Id)
            .Select(d => new RolloutDeviceView(d.DeviceId, d.Stage, d.ChangedAt, d.Version, d.AppliedAtMs != null, d.RolledBackAt))
            .ToListAsync(cancellationToken);
        return new RolloutDetail(View(rollout, devices.Count, devices.Count(d => d.RolledBackAt is not null)), devices);
    }

    public static RolloutView View(Rollout r, int changed, int rolledBack) => new(r.Id, r.Fleet, r.Tags, r.Change.Describe(), r.TinyModel,
        r.Stages, r.Gates, r.State, r.Stage, r.StageStartedAt, r.CreatedAt, r.UpdatedAt, r.CreatedBy, r.Reason, r.StatusMessage, changed,
        rolledBack, r.LastHealth is null ? null : JsonSerializer.Deserialize<RolloutHealth>(r.LastHealth, s_json));
}
