using System.Collections.Concurrent;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Fleets;

/// <summary>Fleet rows the hot path needs (rate limits), read once and dropped when an admin changes them.</summary>
public sealed class FleetSettingsCache(IDbContextFactory<HiPortalDb> dbFactory)
{
    private readonly ConcurrentDictionary<string, Fleet> _fleets = new();

    /// <summary>Raised when a fleet's entry is dropped, whichever instance changed it.</summary>
    public event Action<string>? Invalidated;

    /// <summary>Raised for changes made on this instance only (the scale-out relay tells the others).</summary>
    public event Action<string>? InvalidatedHere;

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

    /// <summary>An admin changed the fleet on this instance.</summary>
    public void Invalidate(string name)
    {
        Forget(name);
        InvalidatedHere?.Invoke(name);
    }

    /// <summary>Drops the entry (the fleet changed here or on another instance).</summary>
    public void Forget(string name)
    {
        _fleets.TryRemove(name, out _);
        Invalidated?.Invoke(name);
    }

    /// <summary>Drops every entry: after an outage in which other instances' changes may have been missed.</summary>
    public void ForgetAll()
    {
        foreach (var name in _fleets.Keys)
        {
            Forget(name);
        }
    }
}
