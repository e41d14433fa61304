using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// Issue 14, findings 1, 4, 5 and 15: tokens are bound to the instance and re-validated against the user table;
/// accounts can be disabled, deleted, re-passworded and signed out (audited); the last-admin guard holds under
/// concurrency; the data directory and its secrets are owner-only.
/// </summary>
public sealed class SecurityIdentityTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Password = "a-long-password";

    [Fact]
    public async Task TokenMintedByAnotherInstance_FromTheSameProgramFolder_Gets401()
    {
        await using var other = new HiPortalApp();
        (await other.StartAsync()).Dispose();
        using var otherAdmin = await other.CreateAdminClientAsync();
        using var stranger = server.App.CreateClient();
        stranger.DefaultRequestHeaders.Authorization = otherAdmin.DefaultRequestHeaders.Authorization;

        using var response = await stranger.GetAsync("/api/v1/admin/users");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void KeyRingAndDatabase_LiveInTheDataDirectory_OwnerOnly()
    {
        var data = Path.GetDirectoryName(server.App.DatabasePath)!;
        var keys = Path.Combine(data, "keys");

        Assert.True(Directory.Exists(keys), "the key ring lives beside the database");
        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode ownerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Assert.Equal(ownerOnlyDirectory, File.GetUnixFileMode(keys));
            Assert.Equal(ownerOnlyDirectory, File.GetUnixFileMode(data));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.App.DatabasePath));
            foreach (var sidecar in Directory.GetFiles(data, "hiportal.db-*"))
            {
                Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(sidecar) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead));
            }
        }
    }

    [Theory]
    [InlineData("PUT", "password", """{"password":"another-long-password"}""", "user.password")]
    [InlineData("PUT", "disabled", """{"disabled":true}""", "user.disable")]
    [InlineData("POST", "sign-out", null, "user.signout")]
    [InlineData("DELETE", "", null, "user.delete")]
    public async Task TokenAlreadyHeld_Gets401_AtOnce_AfterTheAccountChanges_AndTheChangeIsAudited(string method, string path, string? body, string action)
    {
        using var admin = await server.App.CreateAdminClientAsync();
        var username = await CreateUserAsync(admin, "Operator");
        using var holder = await SignedInAsync(username, Password);
        using (var before = await holder.GetAsync("/api/v1/admin/fleets"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/v1/admin/users/{username}/{path}".TrimEnd('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using (var changed = await admin.SendAsync(request))
        {
            await changed.JsonAsync(HttpStatusCode.OK);
        }

        using var after = await holder.GetAsync("/api/v1/admin/fleets");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var audit = await admin.AuditAsync($"scope=user&target={username}");
        Assert.Contains(audit, row => row.GetProperty("action").GetString() == action);
    }

    [Fact]
    public async Task DisabledUser_CannotSignIn_AndCanAgainOnceEnabled()
    {
        using var admin = await server.App.CreateAdminClientAsync();
        var username = await CreateUserAsync(admin, "Operator");
        using (var disabled = await admin.PutAsJsonAsync($"/api/v1/admin/users/{username}/disabled", new { disabled = true }))
        {
            await disabled.JsonAsync(HttpStatusCode.OK);
        }

        using var refused = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = Password });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using (var enabled = await admin.PutAsJsonAsync($"/api/v1/admin/users/{username}/disabled", new { disabled = false }))
        {
            await enabled.JsonAsync(HttpStatusCode.OK);
        }

        using var accepted = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = Password });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task NewPassword_ReplacesTheOldOne_ForSignIn()
    {
        using var admin = await server.App.CreateAdminClientAsync();
        var username = await CreateUserAsync(admin, "Operator");

        using (var changed = await admin.PutAsJsonAsync($"/api/v1/admin/users/{username}/password", new { password = "a-brand-new-password" }))
        {
            await changed.JsonAsync(HttpStatusCode.OK);
        }

        using var old = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = Password });
        using var fresh = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = "a-brand-new-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task TwoAdminsDemotingEachOtherAtOnce_LeaveExactlyOneAdmin()
    {
        // A server of its own: the race needs exactly two admins.
        await using var app = new HiPortalApp();
        (await app.StartAsync()).Dispose();
        using var first = await app.CreateAdminClientAsync();
        for (var round = 0; round < 5; round++)
        {
            var second = FleetApi.Unique("rival");
            using (var created = await first.PostAsJsonAsync("/api/v1/admin/users", new { username = second, password = Password, role = "Admin" }))
            {
                await created.JsonAsync(HttpStatusCode.Created);
            }

            using var secondClient = await SignedInAsync(app, second, Password);

            var answers = await Task.WhenAll(
                first.PutAsJsonAsync($"/api/v1/admin/users/{second}/role", new { role = "Operator" }),
                secondClient.PutAsJsonAsync("/api/v1/admin/users/admin/role", new { role = "Operator" }));

            var statuses = answers.Select(a => a.StatusCode).ToList();
            answers.ToList().ForEach(a => a.Dispose());
            Assert.Single(statuses, HttpStatusCode.OK);
            var admins = await Database.CountAsync(app.DatabasePath, "SELECT COUNT(*) FROM Users WHERE Role = 'Admin' AND Disabled = 0");
            Assert.Equal(1, admins);
            if (statuses[1] == HttpStatusCode.OK)
            {
                // The rival won: make the bootstrap admin an admin again, and the rival an operator, for the next round.
                using var restore = await secondClient.PutAsJsonAsync("/api/v1/admin/users/admin/role", new { role = "Admin" });
                await restore.JsonAsync(HttpStatusCode.OK);
                using var demote = await first.PutAsJsonAsync($"/api/v1/admin/users/{second}/role", new { role = "Operator" });
                await demote.JsonAsync(HttpStatusCode.OK);
            }
        }
    }

    [Fact]
    public async Task LastEnabledAdmin_CannotBeDisabledOrDeleted()
    {
        await using var app = new HiPortalApp();
        (await app.StartAsync()).Dispose();
        using var admin = await app.CreateAdminClientAsync();

        using var disable = await admin.PutAsJsonAsync("/api/v1/admin/users/admin/disabled", new { disabled = true });
        using var delete = await admin.DeleteAsync("/api/v1/admin/users/admin");

        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
    }

    private async Task<string> CreateUserAsync(HttpClient admin, string role)
    {
        var username = FleetApi.Unique("acct");
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = Password, role });
        await created.JsonAsync(HttpStatusCode.Created);
        return username;
    }

    private Task<HttpClient> SignedInAsync(string username, string password) => SignedInAsync(server.App, username, password);

    internal static async Task<HttpClient> SignedInAsync(HiPortalApp app, string username, string password)
    {
        var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        var token = (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
