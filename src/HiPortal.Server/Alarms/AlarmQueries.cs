using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Alarms;

public sealed record AlarmPage(int Total, int Open, List<Alarm> Items);

/// <summary>The alarm list, shared by the admin API, the dashboard's page and its badge.</summary>
public sealed class AlarmQueries(IDbContextFactory<HiPortalDb> dbFactory)
{
    /// <summary>Open ones first, then newest first; filtered by state, kind and scope.</summary>
    public async Task<AlarmPage> SearchAsync(bool? open, string? kind, string? scope, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Alarms.AsNoTracking();
        query = open switch
        {
            true => query.Where(a => a.ClearedAt == null),
            false => query.Where(a => a.ClearedAt != null),
            null => query,
        };
        query = kind is null ? query : query.Where(a => a.Kind == kind);
        query = scope is null ? query : query.Where(a => a.Scope == scope);
        var total = await query.CountAsync(cancellationToken);
        var openCount = await OpenCountAsync(db, cancellationToken);
        var items = await query.OrderBy(a => a.ClearedAt == null ? 0 : 1).ThenByDescending(a => a.Id)
            .Skip(Math.Max(0, skip)).Take(take).ToListAsync(cancellationToken);
        return new AlarmPage(total, openCount, items);
    }

    public async Task<int> OpenCountAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await OpenCountAsync(db, cancellationToken);
    }

    private static Task<int> OpenCountAsync(HiPortalDb db, CancellationToken cancellationToken) =>
        db.Alarms.CountAsync(a => a.ClearedAt == null, cancellationToken);
}
