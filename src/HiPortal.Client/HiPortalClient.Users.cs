using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>User accounts, as an admin manages them. Every change answers the account as it is now.</summary>
public partial class HiPortalClient
{
    public Task<UserView> CreateUserAsync(string username, string password, string role, CancellationToken cancellationToken = default) =>
        PostAsync(Routes.Users, new CreateUserRequest(username, password, role), ContractsJson.Default.CreateUserRequest,
            ContractsJson.Default.UserView, cancellationToken);

    public Task<JsonElement> ListUsersAsync(CancellationToken cancellationToken = default) => GetJsonAsync(Routes.Users, cancellationToken);

    public Task<UserView> SetRoleAsync(string username, string role, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Routes.UserRole(username), JsonContent.Create(new SetRoleRequest(role), ContractsJson.Default.SetRoleRequest),
            ContractsJson.Default.UserView, cancellationToken);

    /// <summary>PUT /users/{u}/password: the old password and every session the user holds stop working.</summary>
    public Task<UserView> SetPasswordAsync(string username, string password, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Routes.UserPassword(username),
            JsonContent.Create(new SetPasswordRequest(password), ContractsJson.Default.SetPasswordRequest), ContractsJson.Default.UserView,
            cancellationToken);

    /// <summary>PUT /users/{u}/disabled: a disabled user cannot sign in, and their sessions end at once.</summary>
    public Task<UserView> SetDisabledAsync(string username, bool disabled, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Routes.UserDisabled(username),
            JsonContent.Create(new SetDisabledRequest(disabled), ContractsJson.Default.SetDisabledRequest), ContractsJson.Default.UserView,
            cancellationToken);

    /// <summary>POST /users/{u}/sign-out: ends every token and cookie the user holds; the password stays.</summary>
    public Task<UserView> SignOutUserAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Routes.UserSignOut(username), null, ContractsJson.Default.UserView, cancellationToken);

    public Task<UserView> DeleteUserAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, Routes.User(username), null, ContractsJson.Default.UserView, cancellationToken);
}
