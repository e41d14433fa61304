using System.Collections.Concurrent;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Fleets;

/// <summary>Fleet rows the hot path needs (rate limits), read once and dropped when an admin changes them.</summary>
public sealed class FleetSettingsCache(IDbContextFactory<HiPortalDb> dbFactory)
{
    private readonly ConcurrentDictionary<string, Fleet> _fleets = new();

    public event Action<string>? Invalidated;

    public async ValueTask<Fleet?> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (_fleets.TryGetValue(name, out var fleet))
        {
            return fleet;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        fleet = await db.Fleets.AsNoTracking().FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
        if (fleet is not null)
        {
            _fleets[name] = fleet;
        }

        return fleet;
    }

    public void Invalidate(string name)
    {
        _fleets.TryRemove(name, out _);
        Invalidated?.Invoke(name);
    }
}
