using System.Net;

namespace HiPortal.Server.Tests;

/// <summary>
/// Issue 14, findings 1, 4, 5 and 15: tokens are bound to the instance and re-validated against the user table;
/// accounts can be disabled, deleted, re-passworded and signed out (audited); the last-admin guard holds under
/// concurrency; the data directory and its secrets are owner-only.
/// </summary>
public sealed class SecurityIdentityTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Password = HiPortalHost.UserPassword;

    [Fact]
    public async Task TokenMintedByAnotherInstance_FromTheSameProgramFolder_Gets401()
    {
        // Every test host runs from the same program folder (the test's bin) with a data directory of its own.
        await using var other = await HiPortalHost.StartAsync();
        using var otherAdmin = await other.CreateAdminAsync();
        using var stranger = server.App.CreateClient(otherAdmin.Bearer!);

        using var response = await stranger.GetAsync(Routes.Users);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void KeyRingAndDatabase_LiveInTheDataDirectory_OwnerOnly()
    {
        var data = server.App.DataDirectory;
        var keys = Path.Combine(data, "keys");

        Assert.True(Directory.Exists(keys), "the key ring lives beside the database");
        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode ownerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Assert.Equal(ownerOnlyDirectory, File.GetUnixFileMode(keys));
            Assert.Equal(ownerOnlyDirectory, File.GetUnixFileMode(data));
            // The SQLite file is the server's own; on PostgreSQL the database server keeps its files.
            if (server.App.Provider == HiPortal.Server.Persistence.DatabaseProvider.Sqlite)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.App.DatabasePath));
                foreach (var sidecar in Directory.GetFiles(data, "hiportal.db-*"))
                {
                    Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(sidecar) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead));
                }
            }
        }
    }

    [Theory]
    [InlineData("user.password")]
    [InlineData("user.disable")]
    [InlineData("user.signout")]
    [InlineData("user.delete")]
    public async Task TokenAlreadyHeld_Gets401_AtOnce_AfterTheAccountChanges_AndTheChangeIsAudited(string action)
    {
        using var admin = await server.App.CreateAdminAsync();
        var username = await CreateOperatorAsync(admin);
        using var holder = await server.App.SignInAsync(username, Password);
        await holder.ListFleetsAsync();

        await (action switch
        {
            "user.password" => admin.SetPasswordAsync(username, "another long password for this account"),
            "user.disable" => admin.SetDisabledAsync(username, true),
            "user.signout" => admin.SignOutUserAsync(username),
            _ => admin.DeleteUserAsync(username),
        });

        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => holder.ListFleetsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        var audit = await admin.AuditAsync($"scope=user&target={username}");
        Assert.Contains(audit, row => row.GetProperty("action").GetString() == action);
    }

    [Fact]
    public async Task DisabledUser_CannotSignIn_AndCanAgainOnceEnabled()
    {
        using var admin = await server.App.CreateAdminAsync();
        var username = await CreateOperatorAsync(admin);
        await admin.SetDisabledAsync(username, true);

        Assert.Equal(HttpStatusCode.Unauthorized, await SignInStatusAsync(username, Password));

        await admin.SetDisabledAsync(username, false);

        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(username, Password));
    }

    [Fact]
    public async Task NewPassword_ReplacesTheOldOne_ForSignIn()
    {
        const string NewPassword = "a brand new password for this account";
        using var admin = await server.App.CreateAdminAsync();
        var username = await CreateOperatorAsync(admin);

        await admin.SetPasswordAsync(username, NewPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, await SignInStatusAsync(username, Password));
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(username, NewPassword));
    }

    [Fact]
    public async Task TwoAdminsDemotingEachOtherAtOnce_LeaveExactlyOneAdmin()
    {
        // A server of its own: the race needs exactly two admins.
        await using var app = await HiPortalHost.StartAsync();
        using var first = await app.CreateAdminAsync();
        for (var round = 0; round < 5; round++)
        {
            var second = Samples.Unique("rival");
            await first.CreateUserAsync(second, Password, "Admin");
            using var secondClient = await app.SignInAsync(second, Password);

            var answers = await Task.WhenAll(
                StatusAsync(() => first.SetRoleAsync(second, "Operator")),
                StatusAsync(() => secondClient.SetRoleAsync("admin", "Operator")));

            Assert.Single(answers, HttpStatusCode.OK);
            Assert.Equal(1, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Users\" WHERE \"Role\" = 'Admin' AND NOT \"Disabled\""));
            if (answers[1] == HttpStatusCode.OK)
            {
                // The rival won: make the bootstrap admin an admin again, and the rival an operator, for the next round.
                await secondClient.SetRoleAsync("admin", "Admin");
                await first.SetRoleAsync(second, "Operator");
            }
        }
    }

    [Fact]
    public async Task LastEnabledAdmin_CannotBeDisabledOrDeleted()
    {
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();

        var disable = await StatusAsync(() => admin.SetDisabledAsync("admin", true));
        var delete = await StatusAsync(() => admin.DeleteUserAsync("admin"));

        Assert.Equal(HttpStatusCode.Conflict, disable);
        Assert.Equal(HttpStatusCode.Conflict, delete);
    }

    private static async Task<string> CreateOperatorAsync(HiPortalClient admin)
    {
        var username = Samples.Unique("acct");
        await admin.CreateUserAsync(username, Password, "Operator");
        return username;
    }

    private async Task<HttpStatusCode> SignInStatusAsync(string username, string password)
    {
        using var client = server.App.CreateAnonymousClient();
        return await StatusAsync(() => client.SignInAsync(username, password));
    }

    /// <summary>A typed call's answer as a status: OK, or the status it failed with.</summary>
    internal static async Task<HttpStatusCode> StatusAsync(Func<Task> call)
    {
        try
        {
            await call();
            return HttpStatusCode.OK;
        }
        catch (HiPortalApiException failure)
        {
            return failure.Status;
        }
    }
}
