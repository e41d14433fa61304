using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>What a request needs to know about its user: the current role, the security stamp and whether disabled.</summary>
public sealed record UserState(string Username, string Role, string SecurityStamp, bool Disabled);

/// <summary>
/// Re-validates a token's or cookie's user against the user table on every request, through a small cache: a hit is
/// a dictionary lookup, a miss one indexed query. Changes on this server invalidate the entry at once (and tell live
/// dashboard circuits through <see cref="Changed"/>); changes made by another server sharing the database are seen
/// within <see cref="Lifetime"/>.
/// </summary>
public sealed class UserSessions(IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time)
{
    public const string StampClaim = "hiportal:stamp";
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<int, (UserState? State, DateTimeOffset Until)> _users = new();

    /// <summary>Raised with the user id after any change to that user (role, password, disable, delete, sign-out).</summary>
    public event Action<int>? Changed;

    /// <summary>The user's current state, or null when the user no longer exists.</summary>
    public async Task<UserState?> GetAsync(int userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_users.TryGetValue(userId, out var cached) && cached.Until > now)
        {
            return cached.State;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var state = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new UserState(u.Username, u.Role, u.SecurityStamp, u.Disabled)).FirstOrDefaultAsync(cancellationToken);
        _users[userId] = (state, now + Lifetime);
        return state;
    }

    /// <summary>
    /// The principal as it stands now: same identity with the current role, or null when the user is gone, disabled or
    /// was changed (stamp rotated) since the principal was issued.
    /// </summary>
    public async Task<ClaimsPrincipal?> RevalidateAsync(ClaimsPrincipal principal, string scheme, CancellationToken cancellationToken)
    {
        if (!int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var userId) ||
            principal.FindFirstValue(StampClaim) is not { Length: > 0 } stamp ||
            await GetAsync(userId, cancellationToken) is not { Disabled: false } state ||
            !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(stamp), System.Text.Encoding.ASCII.GetBytes(state.SecurityStamp)))
        {
            return null;
        }

        return Principal(userId, state.Username, state.Role, state.SecurityStamp, scheme);
    }

    public static ClaimsPrincipal Principal(int userId, string username, string role, string stamp, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, userId.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, username),
                new Claim(ClaimTypes.Role, role),
                new Claim(StampClaim, stamp),
            ],
            scheme));

    public static ClaimsPrincipal Principal(User user, string scheme) => Principal(user.Id, user.Username, user.Role, user.SecurityStamp, scheme);

    /// <summary>The user changed on this instance: forgotten here, and the other instances are told.</summary>
    public void Invalidate(int userId)
    {
        Forget(userId);
        InvalidatedHere?.Invoke(userId);
    }

    /// <summary>Raised for changes made on this instance only (the scale-out relay tells the others).</summary>
    public event Action<int>? InvalidatedHere;

    /// <summary>Forgets the cached state (the user changed here or on another instance).</summary>
    public void Forget(int userId)
    {
        _users.TryRemove(userId, out _);
        Changed?.Invoke(userId);
    }
}
