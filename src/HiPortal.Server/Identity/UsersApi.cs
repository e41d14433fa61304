using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Identity;

/// <summary>
/// People: admins create users, set roles, passwords and disabled state, sign users out and delete them. The rules,
/// the audit rows and the refusals live in <see cref="UserAccounts"/>, which the dashboard's users page calls too.
/// </summary>
public static class UsersApi
{
    public const int MinPasswordLength = PasswordPolicy.MinLength;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/users").RequireAuthorization(Policies.Admin).WithTags("Users");
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapPut("/{username}/role", (string username, SetRoleRequest? request, UserAccounts accounts, CurrentUser actor, CancellationToken ct) =>
            Answer(accounts.SetRoleAsync(username, request?.Role, actor, ct)));
        group.MapPut("/{username}/password", (string username, SetPasswordRequest? request, UserAccounts accounts, CurrentUser actor, CancellationToken ct) =>
            Answer(accounts.SetPasswordAsync(username, request?.Password, actor, ct)));
        group.MapPut("/{username}/disabled", (string username, SetDisabledRequest? request, UserAccounts accounts, CurrentUser actor, CancellationToken ct) =>
            Answer(accounts.SetDisabledAsync(username, request?.Disabled, actor, ct)));
        group.MapPost("/{username}/sign-out", (string username, UserAccounts accounts, CurrentUser actor, CancellationToken ct) =>
            Answer(accounts.SignOutAsync(username, actor, ct)));
        group.MapDelete("/{username}", (string username, UserAccounts accounts, CurrentUser actor, CancellationToken ct) =>
            Answer(accounts.DeleteAsync(username, actor, ct)));
        return app;
    }

    public static async Task<Ok<List<UserView>>> List(UserAccounts accounts, CancellationToken cancellationToken)
    {
        var rows = await accounts.ListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(u => new UserView(u.Id, u.Username, u.Role, u.CreatedAt)).ToList());
    }

    public static async Task<Results<Created<UserView>, ProblemHttpResult>> Create(CreateUserRequest? request, UserAccounts accounts,
        CurrentUser actor, CancellationToken cancellationToken)
    {
        var outcome = await accounts.CreateAsync(request, actor, cancellationToken);
        return outcome.Value is { } user ? TypedResults.Created($"{Routes.Users}/{user.Username}", user) : outcome.Refusal!.ToProblem();
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> Answer(Task<Problems.Outcome<UserView>> change)
    {
        var outcome = await change;
        return outcome.Value is { } user ? TypedResults.Ok(user) : outcome.Refusal!.ToProblem();
    }
}
