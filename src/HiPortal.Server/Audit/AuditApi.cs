using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Audit;

public sealed record AuditPage(int Total, List<AuditEntry> Items);

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Routes.Audit, Query).RequireAuthorization(Policies.Reader).WithTags("Audit");
        return app;
    }

    /// <summary>Newest first, filtered by scope, target, actor, action and time.</summary>
    public static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> Query(IDbContextFactory<HiPortalDb> dbFactory,
        string? scope, string? target, string? actor, string? action, DateTimeOffset? from, DateTimeOffset? to, int? skip, int? take,
        CancellationToken cancellationToken)
    {
        if (take is < 1 or > 1000)
        {
            return ProblemResults.Validation("take", "must be between 1 and 1000");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Audit.AsNoTracking();
        query = scope is null ? query : query.Where(a => a.Scope == scope);
        query = target is null ? query : query.Where(a => a.Target == target);
        query = actor is null ? query : query.Where(a => a.Actor == actor);
        query = action is null ? query : query.Where(a => a.Action.StartsWith(action));
        if (from is { } f)
        {
            var utc = f.UtcDateTime;
            query = query.Where(a => a.At >= utc);
        }

        if (to is { } t)
        {
            var utc = t.UtcDateTime;
            query = query.Where(a => a.At <= utc);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(a => a.Id).Skip(Math.Max(0, skip ?? 0)).Take(take ?? 100).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AuditPage(total, items));
    }
}
