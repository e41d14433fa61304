using System.Security.Claims;
using HiPortal.Server.Audit;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>
/// People: admins create users, set roles, passwords and disabled state, sign users out and delete them. Passwords
/// are PBKDF2-hashed, never returned. Every change is audited (<see cref="UserAccountChanges"/>).
/// </summary>
public static class UsersApi
{
    public const int MinPasswordLength = PasswordPolicy.MinLength;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/users").RequireAuthorization(Policies.Admin).WithTags("Users");
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapPut("/{username}/role", UserAccountChanges.SetRole);
        group.MapPut("/{username}/password", UserAccountChanges.SetPassword);
        group.MapPut("/{username}/disabled", UserAccountChanges.SetDisabled);
        group.MapPost("/{username}/sign-out", UserAccountChanges.SignOut);
        group.MapDelete("/{username}", UserAccountChanges.Delete);
        return app;
    }

    public static async Task<Ok<List<UserView>>> List(IDbContextFactory<HiPortalDb> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await db.Users.AsNoTracking().OrderBy(u => u.Username)
            .Select(u => new UserView(u.Id, u.Username, u.Role, u.CreatedAt)).ToListAsync(cancellationToken));
    }

    public static async Task<Results<Created<UserView>, ProblemHttpResult>> Create(CreateUserRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, IPasswordHasher<User> hasher, TimeProvider time, ClaimsPrincipal actor,
        CancellationToken cancellationToken)
    {
        if (Names.NewUser(request?.Username, out var nameError) is not { } username)
        {
            return ProblemResults.Validation("username", nameError!);
        }

        if (PasswordPolicy.Check(request!.Password, username) is { } weak)
        {
            return ProblemResults.Validation("password", weak);
        }

        if (NormaliseRole(request.Role) is not { } role)
        {
            return ProblemResults.Validation("role", $"one of {Roles.Admin}, {Roles.Operator}");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The user exists.", $"'{username}' is taken", "username");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var user = new User { Username = username, PasswordHash = "", Role = role, CreatedAt = now };
        user.PasswordHash = hasher.HashPassword(user, request.Password!);
        db.Users.Add(user);
        AuditLog.Record(db, now, CurrentUser.From(actor).Actor, "user.create", "user", username, null, new { role }, null);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index caught a concurrent create of the same name.
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The user exists.", $"'{username}' is taken", "username");
        }

        return TypedResults.Created($"/api/v1/admin/users/{username}", new UserView(user.Id, username, role, now));
    }

    internal static string? NormaliseRole(string? role) =>
        string.Equals(role, Roles.Admin, StringComparison.OrdinalIgnoreCase) ? Roles.Admin
        : string.Equals(role, Roles.Operator, StringComparison.OrdinalIgnoreCase) ? Roles.Operator
        : null;
}
