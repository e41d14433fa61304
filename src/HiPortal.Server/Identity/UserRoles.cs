using System.Collections.Concurrent;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>
/// A token says who its holder is; the role comes from here, so demoting an admin takes effect within seconds
/// (and at once on this server), not when the token expires.
/// </summary>
public sealed class UserRoles(IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time)
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<int, (string? Role, DateTimeOffset Until)> _roles = new();

    /// <summary>The user's current role, or null when the user no longer exists.</summary>
    public async Task<string?> CurrentRoleAsync(int userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_roles.TryGetValue(userId, out var cached) && cached.Until > now)
        {
            return cached.Role;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var role = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Role).FirstOrDefaultAsync(cancellationToken);
        _roles[userId] = (role, now + s_lifetime);
        return role;
    }

    public void Invalidate(int userId) => _roles.TryRemove(userId, out _);
}
