using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Fleets;

public sealed record FleetView(
    string Name,
    DeviceConfiguration Desired,
    double RateLimitPerSecond,
    int RateLimitBurst,
    string DeviceProfile,
    bool AutoThreshold,
    double AutoThresholdMin,
    double AutoThresholdMax,
    int Devices,
    int Applied,
    int Pending,
    string TinyModel,
    string LargeModel,
    string OnlineLearner = Fleet.DefaultOnlineLearner,
    double? MaxOffloadFraction = null);

/// <summary>The fleet reads, shared by the admin API and the dashboard, each with its devices' rollout counts.</summary>
public sealed class FleetQueries(IDbContextFactory<HiPortalDb> dbFactory)
{
    public async Task<List<FleetView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleets = await db.Fleets.AsNoTracking().OrderBy(f => f.Name).ToListAsync(cancellationToken);
        var counts = await Counts(db, null, cancellationToken);
        return fleets.Select(f => View(f, counts.GetValueOrDefault(f.Name))).ToList();
    }

    /// <summary>Null when there is no such fleet.</summary>
    public async Task<FleetView?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleet = await db.Fleets.AsNoTracking().FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
        return fleet is null ? null : View(fleet, (await Counts(db, name, cancellationToken)).GetValueOrDefault(name));
    }

    /// <summary>A fleet just written (by the caller's context) as the API answers with it.</summary>
    internal static async Task<FleetView> ViewAsync(HiPortalDb db, Fleet fleet, CancellationToken cancellationToken) =>
        View(fleet, (await Counts(db, fleet.Name, cancellationToken)).GetValueOrDefault(fleet.Name));

    private static FleetView View(Fleet f, (int Devices, int Applied) counts) => new(
        f.Name, DeviceConfiguration.Desired(f), f.RateLimitPerSecond, f.RateLimitBurst, f.DeviceProfile, f.AutoThreshold,
        f.AutoThresholdMin, f.AutoThresholdMax, counts.Devices, counts.Applied, counts.Devices - counts.Applied, f.TinyModel, f.LargeModel,
        f.OnlineLearner, f.MaxOffloadFraction);

    /// <summary>Devices per fleet and how many report their current version applied (one grouped query).</summary>
    private static async Task<Dictionary<string, (int Devices, int Applied)>> Counts(HiPortalDb db, string? fleet, CancellationToken cancellationToken)
    {
        var query = db.Devices.AsNoTracking().Where(d => d.RevokedAt == null);
        if (fleet is not null)
        {
            query = query.Where(d => d.Fleet == fleet);
        }

        var rows = await query.GroupBy(d => d.Fleet)
            .Select(g => new { Fleet = g.Key, Devices = g.Count(), Applied = g.Count(d => d.ReportedVersion == d.ConfigVersion && d.ReportedStatus == "applied") })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Fleet, r => (r.Devices, r.Applied));
    }
}
