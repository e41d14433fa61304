using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>Bad user input gets a 4xx problem naming the field, creates no user, and never demotes the last admin.</summary>
public sealed class UserAdminTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("""{"username":"NAME","password":"long-enough-pw","role":"Superuser"}""", "role")]
    [InlineData("""{"username":"NAME","password":"long-enough-pw"}""", "role")]
    [InlineData("""{"username":"NAME","password":"nine-char","role":"Operator"}""", "password")]
    [InlineData("""{"username":"NAME","role":"Operator"}""", "password")]
    [InlineData("""{"username":"bad name","password":"long-enough-pw","role":"Operator"}""", "username")]
    public async Task CreateUser_Returns400NamingTheField_AndCreatesNoUser(string body, string field)
    {
        using var admin = await server.App.CreateAdminAsync();
        var username = Samples.Unique("user");

        using var response = await admin.PostAsync("/api/v1/admin/users", RawJson(body.Replace("NAME", username, StringComparison.Ordinal)));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        using var users = await admin.GetAsync("/api/v1/admin/users");
        Assert.DoesNotContain(username, await users.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var signIn = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = "long-enough-pw" });
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
    }

    [Fact]
    public async Task SetRole_Returns400NamingRole_ForAnUnknownRole_And404ForAnUnknownUser()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var unknownRole = await admin.PutAsJsonAsync("/api/v1/admin/users/admin/role", new { role = "Root" });
        using var unknownUser = await admin.PutAsJsonAsync($"/api/v1/admin/users/{Samples.Unique("nobody")}/role", new { role = "Operator" });

        await AssertProblemAsync(unknownRole, HttpStatusCode.BadRequest, "role");
        await AssertProblemAsync(unknownUser, HttpStatusCode.NotFound, "username");
    }

    [Fact]
    public async Task SetRole_Returns409_ForDemotingTheLastAdmin()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.PutAsJsonAsync("/api/v1/admin/users/admin/role", new { role = "Operator" });

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "role");
        using var users = await admin.GetAsync("/api/v1/admin/users");
        var adminUser = (await users.JsonAsync(HttpStatusCode.OK)).EnumerateArray().Single(u => u.GetProperty("username").GetString() == "admin");
        Assert.Equal("Admin", adminUser.GetProperty("role").GetString());
    }
}
