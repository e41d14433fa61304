using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Audit;

public sealed record AuditPage(int Total, List<AuditEntry> Items);

/// <summary>What an audit search asks for; <see cref="Take"/> is already checked by the caller.</summary>
public sealed record AuditQuery(string? Scope = null, string? Target = null, string? Actor = null, string? Action = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, int Skip = 0, int Take = 100);

/// <summary>The audit log's reads, shared by the admin API and the dashboard's audit page.</summary>
public sealed class AuditQueries(IDbContextFactory<HiPortalDb> dbFactory)
{
    /// <summary>Newest first, filtered by scope, target, actor, action (prefix) and time.</summary>
    public async Task<AuditPage> SearchAsync(AuditQuery q, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Audit.AsNoTracking();
        query = q.Scope is null ? query : query.Where(a => a.Scope == q.Scope);
        query = q.Target is null ? query : query.Where(a => a.Target == q.Target);
        query = q.Actor is null ? query : query.Where(a => a.Actor == q.Actor);
        query = q.Action is null ? query : query.Where(a => a.Action.StartsWith(q.Action));
        if (q.From is { } f)
        {
            var utc = f.UtcDateTime;
            query = query.Where(a => a.At >= utc);
        }

        if (q.To is { } t)
        {
            var utc = t.UtcDateTime;
            query = query.Where(a => a.At <= utc);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(a => a.Id).Skip(Math.Max(0, q.Skip)).Take(q.Take).ToListAsync(cancellationToken);
        return new AuditPage(total, items);
    }
}
