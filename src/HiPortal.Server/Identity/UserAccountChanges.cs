using System.Security.Claims;
using HiPortal.Server.Audit;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>
/// Changes to an existing account. Each runs as one write transaction (SQLite <c>BEGIN IMMEDIATE</c>: writers queue),
/// so the "at least one enabled admin remains" check and the write cannot interleave with another admin's change:
/// two admins demoting each other at once leave one admin, not none. Every change is audited in the same
/// transaction and takes effect at once on this server (<see cref="UserSessions.Invalidate"/>).
/// </summary>
public static class UserAccountChanges
{
    private sealed record Services(IDbContextFactory<HiPortalDb> DbFactory, UserSessions Sessions, TimeProvider Time, ClaimsPrincipal Actor);

    public static Task<Results<Ok<UserView>, ProblemHttpResult>> SetRole(string username, SetRoleRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, UserSessions sessions, TimeProvider time, ClaimsPrincipal actor, CancellationToken cancellationToken) =>
        UsersApi.NormaliseRole(request?.Role) is not { } role
            ? Invalid("role", $"one of {Roles.Admin}, {Roles.Operator}")
            : ChangeAsync(username, "user.role", new(dbFactory, sessions, time, actor), user =>
            {
                var before = new { role = user.Role };
                user.Role = role;
                return (before, new { role });
            }, cancellationToken: cancellationToken);

    public static Task<Results<Ok<UserView>, ProblemHttpResult>> SetPassword(string username, SetPasswordRequest? request,
        IPasswordHasher<User> hasher, IDbContextFactory<HiPortalDb> dbFactory, UserSessions sessions, TimeProvider time,
        ClaimsPrincipal actor, CancellationToken cancellationToken) =>
        PasswordPolicy.Check(request?.Password, Names.CanonicalUser(username)) is { } weak
            ? Invalid("password", weak)
            : ChangeAsync(username, "user.password", new(dbFactory, sessions, time, actor), user =>
            {
                user.PasswordHash = hasher.HashPassword(user, request!.Password!);
                user.SecurityStamp = User.NewSecurityStamp();
                return (null, null);
            }, cancellationToken: cancellationToken);

    public static Task<Results<Ok<UserView>, ProblemHttpResult>> SetDisabled(string username, SetDisabledRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, UserSessions sessions, TimeProvider time, ClaimsPrincipal actor, CancellationToken cancellationToken) =>
        request?.Disabled is not { } disabled
            ? Invalid("disabled", "true or false is required")
            : ChangeAsync(username, disabled ? "user.disable" : "user.enable", new(dbFactory, sessions, time, actor), user =>
            {
                var before = new { disabled = user.Disabled };
                user.Disabled = disabled;
                user.SecurityStamp = disabled ? User.NewSecurityStamp() : user.SecurityStamp;
                return (before, new { disabled });
            }, cancellationToken: cancellationToken);

    /// <summary>Ends every token and cookie the user holds; they sign in again with the same password.</summary>
    public static Task<Results<Ok<UserView>, ProblemHttpResult>> SignOut(string username,
        IDbContextFactory<HiPortalDb> dbFactory, UserSessions sessions, TimeProvider time, ClaimsPrincipal actor, CancellationToken cancellationToken) =>
        ChangeAsync(username, "user.signout", new(dbFactory, sessions, time, actor), user =>
        {
            user.SecurityStamp = User.NewSecurityStamp();
            return (null, null);
        }, cancellationToken: cancellationToken);

    public static Task<Results<Ok<UserView>, ProblemHttpResult>> Delete(string username,
        IDbContextFactory<HiPortalDb> dbFactory, UserSessions sessions, TimeProvider time, ClaimsPrincipal actor, CancellationToken cancellationToken) =>
        ChangeAsync(username, "user.delete", new(dbFactory, sessions, time, actor), user => (new { role = user.Role }, null), delete: true, cancellationToken: cancellationToken);

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> ChangeAsync(string username, string action, Services services,
        Func<User, (object? Before, object? After)> change, bool delete = false, CancellationToken cancellationToken = default)
    {
        var (dbFactory, sessions, time, actor) = services;
        var canonical = Names.CanonicalUser(username);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == canonical, cancellationToken);
        if (user is null)
        {
            return ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown user.", $"no user '{username}'", "username");
        }

        var wasActiveAdmin = IsActiveAdmin(user);
        var (before, after) = change(user);
        if (wasActiveAdmin && (delete || !IsActiveAdmin(user)) &&
            !await db.Users.AnyAsync(u => u.Id != user.Id && u.Role == Roles.Admin && !u.Disabled, cancellationToken))
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The last admin.", "at least one enabled admin must remain",
                action == "user.role" ? "role" : "username");
        }

        if (delete)
        {
            db.Users.Remove(user);
        }

        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, CurrentUser.From(actor).Actor, action, "user", user.Username, before, after, null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        sessions.Invalidate(user.Id);
        return TypedResults.Ok(new UserView(user.Id, user.Username, user.Role, user.CreatedAt));
    }

    private static bool IsActiveAdmin(User user) => user.Role == Roles.Admin && !user.Disabled;

    private static Task<Results<Ok<UserView>, ProblemHttpResult>> Invalid(string field, string message) =>
        Task.FromResult<Results<Ok<UserView>, ProblemHttpResult>>(ProblemResults.Validation(field, message));
}
