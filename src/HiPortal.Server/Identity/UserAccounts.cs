using HiPortal.Server.Audit;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>A user as the admin pages list them (the API's <see cref="UserView"/> does not say whether one is disabled).</summary>
public sealed record UserRow(int Id, string Username, string Role, bool Disabled, DateTime CreatedAt);

/// <summary>
/// People, for the users API and the dashboard alike: create, set role, password and disabled state, sign out, delete.
/// Passwords are PBKDF2-hashed, never returned. Each change of an existing account runs as one write transaction
/// (SQLite <c>BEGIN IMMEDIATE</c>: writers queue), so the "at least one enabled admin remains" check and the write
/// cannot interleave with another admin's change: two admins demoting each other at once leave one admin, not none.
/// Every change is audited in the same transaction and takes effect at once on this server (<see cref="UserSessions.Invalidate"/>).
/// </summary>
public sealed class UserAccounts(IDbContextFactory<HiPortalDb> dbFactory, IPasswordHasher<User> hasher, UserSessions sessions, TimeProvider time)
{
    public async Task<List<UserRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().OrderBy(u => u.Username)
            .Select(u => new UserRow(u.Id, u.Username, u.Role, u.Disabled, u.CreatedAt)).ToListAsync(cancellationToken);
    }

    public async Task<Outcome<UserView>> CreateAsync(CreateUserRequest? request, CurrentUser actor, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        if (Names.NewUser(request?.Username, out var nameError) is not { } username)
        {
            return Refusal.Invalid("username", nameError!);
        }

        if (PasswordPolicy.Check(request!.Password, username) is { } weak)
        {
            return Refusal.Invalid("password", weak);
        }

        if (NormaliseRole(request.Role) is not { } role)
        {
            return s_badRole;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
        {
            return Taken(username);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var user = new User { Username = username, PasswordHash = "", Role = role, CreatedAt = now };
        user.PasswordHash = hasher.HashPassword(user, request.Password!);
        db.Users.Add(user);
        AuditLog.Record(db, now, actor.Actor, "user.create", "user", username, null, new { role }, null);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index caught a concurrent create of the same name.
            return Taken(username);
        }

        return new UserView(user.Id, username, role, now);
    }

    public Task<Outcome<UserView>> SetRoleAsync(string username, string? requested, CurrentUser actor, CancellationToken cancellationToken) =>
        NormaliseRole(requested) is not { } role
            ? Task.FromResult<Outcome<UserView>>(s_badRole)
            : ChangeAsync(username, "user.role", actor, user =>
            {
                var before = new { role = user.Role };
                user.Role = role;
                return (before, new { role });
            }, cancellationToken: cancellationToken);

    public Task<Outcome<UserView>> SetPasswordAsync(string username, string? password, CurrentUser actor, CancellationToken cancellationToken) =>
        PasswordPolicy.Check(password, Names.CanonicalUser(username)) is { } weak
            ? Task.FromResult<Outcome<UserView>>(Refusal.Invalid("password", weak))
            : ChangeAsync(username, "user.password", actor, user =>
            {
                user.PasswordHash = hasher.HashPassword(user, password!);
                user.SecurityStamp = User.NewSecurityStamp();
                return (null, null);
            }, cancellationToken: cancellationToken);

    public Task<Outcome<UserView>> SetDisabledAsync(string username, bool? requested, CurrentUser actor, CancellationToken cancellationToken) =>
        requested is not { } disabled
            ? Task.FromResult<Outcome<UserView>>(Refusal.Invalid("disabled", "true or false is required"))
            : ChangeAsync(username, disabled ? "user.disable" : "user.enable", actor, user =>
            {
                var before = new { disabled = user.Disabled };
                user.Disabled = disabled;
                user.SecurityStamp = disabled ? User.NewSecurityStamp() : user.SecurityStamp;
                return (before, new { disabled });
            }, cancellationToken: cancellationToken);

    /// <summary>Ends every token and cookie the user holds; they sign in again with the same password.</summary>
    public Task<Outcome<UserView>> SignOutAsync(string username, CurrentUser actor, CancellationToken cancellationToken) =>
        ChangeAsync(username, "user.signout", actor, user =>
        {
            user.SecurityStamp = User.NewSecurityStamp();
            return (null, null);
        }, cancellationToken: cancellationToken);

    public Task<Outcome<UserView>> DeleteAsync(string username, CurrentUser actor, CancellationToken cancellationToken) =>
        ChangeAsync(username, "user.delete", actor, user => (new { role = user.Role }, null), delete: true, cancellationToken: cancellationToken);

    internal static string? NormaliseRole(string? role) =>
        string.Equals(role, Roles.Admin, StringComparison.OrdinalIgnoreCase) ? Roles.Admin
        : string.Equals(role, Roles.Operator, StringComparison.OrdinalIgnoreCase) ? Roles.Operator
        : null;

    private async Task<Outcome<UserView>> ChangeAsync(string username, string action, CurrentUser actor,
        Func<User, (object? Before, object? After)> change, bool delete = false, CancellationToken cancellationToken = default)
    {
        if (!actor.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        var canonical = Names.CanonicalUser(username);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == canonical, cancellationToken);
        if (user is null)
        {
            return new Refusal(StatusCodes.Status404NotFound, "Unknown user.", "username", $"no user '{username}'");
        }

        var wasActiveAdmin = IsActiveAdmin(user);
        var (before, after) = change(user);
        if (wasActiveAdmin && (delete || !IsActiveAdmin(user)) &&
            !await db.Users.AnyAsync(u => u.Id != user.Id && u.Role == Roles.Admin && !u.Disabled, cancellationToken))
        {
            return new Refusal(StatusCodes.Status409Conflict, "The last admin.", action == "user.role" ? "role" : "username",
                "at least one enabled admin must remain");
        }

        if (delete)
        {
            db.Users.Remove(user);
        }

        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, actor.Actor, action, "user", user.Username, before, after, null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        sessions.Invalidate(user.Id);
        return new UserView(user.Id, user.Username, user.Role, user.CreatedAt);
    }

    private static bool IsActiveAdmin(User user) => user.Role == Roles.Admin && !user.Disabled;

    private static readonly Refusal s_badRole = Refusal.Invalid("role", $"one of {Roles.Admin}, {Roles.Operator}");

    private static Refusal Taken(string username) =>
        new(StatusCodes.Status409Conflict, "The user exists.", "username", $"'{username}' is taken");
}
