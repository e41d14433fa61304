using System.Security.Claims;
using HiPortal.Server.Audit;
using HiPortal.Server.Fleets;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>People: admins create users and set roles. Passwords are PBKDF2-hashed, never returned.</summary>
public static class UsersApi
{
    public const int MinPasswordLength = 10;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/users").RequireAuthorization(Policies.Admin).WithTags("Users");
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapPut("/{username}/role", SetRole);
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
        var username = request?.Username?.Trim();
        if (string.IsNullOrEmpty(username) || username.Length > 64 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
        {
            return ProblemResults.Validation("username", "1 to 64 characters of letters, digits, '-', '_', '.' or '@'");
        }

        if (request!.Password is not { Length: >= MinPasswordLength and <= 256 })
        {
            return ProblemResults.Validation("password", $"at least {MinPasswordLength} characters");
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
        user.PasswordHash = hasher.HashPassword(user, request.Password);
        db.Users.Add(user);
        AuditLog.Record(db, now, FleetsApi.Actor(actor), "user.create", "user", username, null, new { role }, null);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/users/{username}", new UserView(user.Id, username, role, now));
    }

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> SetRole(string username, SetRoleRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, UserRoles roles, TimeProvider time, ClaimsPrincipal actor, CancellationToken cancellationToken)
    {
        if (NormaliseRole(request?.Role) is not { } role)
        {
            return ProblemResults.Validation("role", $"one of {Roles.Admin}, {Roles.Operator}");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == username, cancellationToken);
        if (user is null)
        {
            return ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown user.", $"no user '{username}'", "username");
        }

        if (user.Role == Roles.Admin && role != Roles.Admin && await db.Users.CountAsync(u => u.Role == Roles.Admin, cancellationToken) == 1)
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The last admin.", "at least one admin must remain", "role");
        }

        var before = user.Role;
        user.Role = role;
        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, FleetsApi.Actor(actor), "user.role", "user", username, new { role = before }, new { role }, null);
        await db.SaveChangesAsync(cancellationToken);
        roles.Invalidate(user.Id);
        return TypedResults.Ok(new UserView(user.Id, user.Username, user.Role, user.CreatedAt));
    }

    private static string? NormaliseRole(string? role) =>
        string.Equals(role, Roles.Admin, StringComparison.OrdinalIgnoreCase) ? Roles.Admin
        : string.Equals(role, Roles.Operator, StringComparison.OrdinalIgnoreCase) ? Roles.Operator
        : null;
}
