using HiPortal.Server.Fleets;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

/// <summary>What a device list asks for; already checked by the caller (the endpoint answers 400 for bad values).</summary>
public sealed record DeviceListQuery(string? Fleet, string? Status, string? Name, string? Sort, bool Descending, int Page, int PageSize);

/// <summary>
/// The device reads, shared by the admin API and the dashboard (eShop's <c>OrderQueries</c>): both call these, so a
/// page and an endpoint cannot disagree, and neither goes through the other's HTTP results.
/// </summary>
public sealed class DeviceQueries(IDbContextFactory<HiPortalDb> dbFactory, DevicePresence presence, ConfigService configs, TimeProvider time)
{
    public static readonly string[] Statuses = ["online", "offline", "pending", "applied", "revoked"];

    /// <summary>Server-side filtering, sorting and paging (fleets hold 10,000s of devices).</summary>
    public async Task<DevicePage> ListAsync(DeviceListQuery q, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Devices.AsNoTracking().Join(db.Fleets.AsNoTracking(), d => d.Fleet, f => f.Name, (d, f) => new { d, f });
        if (!string.IsNullOrEmpty(q.Fleet))
        {
            query = query.Where(x => x.d.Fleet == q.Fleet);
        }

        if (!string.IsNullOrEmpty(q.Name))
        {
            query = query.Where(x => x.d.Name.Contains(q.Name) || x.d.Id.Contains(q.Name));
        }

        var onlineSince = (time.GetUtcNow() - presence.OfflineAfter).UtcDateTime;
        query = q.Status switch
        {
            "online" => query.Where(x => x.d.RevokedAt == null && x.d.LastSeenAt >= onlineSince),
            "offline" => query.Where(x => x.d.RevokedAt == null && (x.d.LastSeenAt == null || x.d.LastSeenAt < onlineSince)),
            "pending" => query.Where(x => x.d.RevokedAt == null && (x.d.ReportedVersion != x.d.ConfigVersion || x.d.ReportedVersion == null || x.d.ReportedStatus != "applied")),
            "applied" => query.Where(x => x.d.RevokedAt == null && x.d.ReportedVersion == x.d.ConfigVersion && x.d.ReportedStatus == "applied"),
            "revoked" => query.Where(x => x.d.RevokedAt != null),
            _ => query,
        };
        var desc = q.Descending;
        query = q.Sort switch
        {
            "lastSeen" => desc ? query.OrderByDescending(x => x.d.LastSeenAt) : query.OrderBy(x => x.d.LastSeenAt),
            "fleet" => desc ? query.OrderByDescending(x => x.d.Fleet).ThenBy(x => x.d.Name) : query.OrderBy(x => x.d.Fleet).ThenBy(x => x.d.Name),
            "threshold" => desc ? query.OrderByDescending(x => x.d.Overrides.Threshold ?? x.f.Config.Threshold)
                : query.OrderBy(x => x.d.Overrides.Threshold ?? x.f.Config.Threshold),
            _ => desc ? query.OrderByDescending(x => x.d.Name) : query.OrderBy(x => x.d.Name),
        };
        var total = await query.CountAsync(cancellationToken);
        // In long: (page - 1) * pageSize overflows int for huge pages and would wrap around to earlier rows.
        var skip = (long)(q.Page - 1) * q.PageSize;
        var rows = skip >= total ? []
            : await query.Skip((int)skip).Take(q.PageSize).Select(x => x.d).ToListAsync(cancellationToken);
        var fleets = await db.Fleets.AsNoTracking().ToDictionaryAsync(f => f.Name, cancellationToken);
        return new DevicePage(total, q.Page, q.PageSize, rows.Select(d => Row(d, fleets[d.Fleet])).ToList());
    }

    /// <summary>One device's full picture; null when there is no such device.</summary>
    public async Task<DeviceDetail?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.AsNoTracking().Include(d => d.Keys).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return null;
        }

        var fleet = await db.Fleets.AsNoTracking().FirstAsync(f => f.Name == device.Fleet, cancellationToken);
        return new DeviceDetail(Row(device, fleet), await configs.GetEffectiveAsync(id, cancellationToken),
            device.Overrides.Describe(), device.Keys.Select(k => new KeyView(k.KeyId, k.CreatedAt, k.RevokedAt)).ToList(), device.ReportedMessage,
            device.ReportedAt, device.LastTelemetrySequence, device.TelemetryGaps, device.TelemetryDuplicates);
    }

    /// <summary>Newest first; null when there is no such device.</summary>
    public async Task<List<ConfigEvent>?> ConfigHistoryAsync(string id, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Devices.AnyAsync(d => d.Id == id, cancellationToken))
        {
            return null;
        }

        return await db.ConfigEvents.AsNoTracking().Where(e => e.DeviceId == id).OrderByDescending(e => e.Id)
            .Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken);
    }

    private DeviceRow Row(Device d, Fleet fleet)
    {
        var effective = DeviceConfiguration.Effective(fleet, d);
        var lastSeen = presence.LastSeen(d.Id, d.LastSeenAt);
        var applied = d.ReportedVersion == d.ConfigVersion && d.ReportedStatus == "applied";
        return new DeviceRow(d.Id, d.Name, d.Fleet, d.RevokedAt is null && presence.IsOnline(lastSeen), lastSeen, effective.Rule,
            effective.Threshold, d.HasOverride, d.ConfigVersion, d.ReportedVersion, d.ReportedStatus, d.RevokedAt is null && !applied,
            d.RevokedAt is not null);
    }
}
