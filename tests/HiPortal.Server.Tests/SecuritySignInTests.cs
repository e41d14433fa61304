using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>Issue 14, findings 6 and 9: sign-in throttling, no user enumeration by timing, passwords and names.</summary>
public sealed class SecuritySignInTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task SixthFailedSignIn_ForOneUser_Gets429_EvenWithTheRightPassword()
    {
        using var admin = await server.App.CreateAdminClientAsync();
        var username = FleetApi.Unique("victim");
        using (var created = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = "the-right-password", role = "Operator" }))
        {
            await created.JsonAsync(HttpStatusCode.Created);
        }

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = $"wrong-{i}" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var throttled = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username, password = "the-right-password" });
        await SecurityRateLimitTests.AssertTooManyAsync(throttled);
    }

    [Fact]
    public async Task OneClientTryingManyUsernames_IsThrottled()
    {
        await using var app = new HiPortalApp(new Dictionary<string, string?> { ["Identity:SignInFailureBurstPerClient"] = "3" });
        using var client = await app.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = FleetApi.Unique("guess"), password = "wrong-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var throttled = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = FleetApi.Unique("guess"), password = "wrong-password" });
        await SecurityRateLimitTests.AssertTooManyAsync(throttled);
    }

    [Fact]
    public async Task UnknownUser_IsAnsweredNoFasterThanAKnownOne()
    {
        await using var app = new HiPortalApp(new Dictionary<string, string?>
        {
            ["Identity:SignInFailureBurstPerUser"] = "100",
            ["Identity:SignInFailureBurstPerClient"] = "100",
        });
        using var client = await app.StartAsync();

        var known = await MedianMillisecondsAsync(client, "admin");
        var unknown = await MedianMillisecondsAsync(client, FleetApi.Unique("nobody"));

        // Before the fix: 76 ms against 1.6 ms. Both now run one PBKDF2 verification.
        Assert.True(unknown > known * 0.3, $"unknown user {unknown:0.0} ms, known user {known:0.0} ms");
    }

    [Theory]
    [InlineData("          ")]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("abababababab")]
    public async Task CreateUser_RefusesWeakPasswords_NamingPassword(string password)
    {
        using var admin = await server.App.CreateAdminClientAsync();

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username = FleetApi.Unique("weak"), password, role = "Operator" });

        await AuthTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "password");
    }

    [Theory]
    [InlineData("Admin", HttpStatusCode.Conflict)]
    [InlineData("ADMIN", HttpStatusCode.Conflict)]
    [InlineData("auto", HttpStatusCode.BadRequest)]
    [InlineData("Unknown", HttpStatusCode.BadRequest)]
    [InlineData(".hidden", HttpStatusCode.BadRequest)]
    public async Task CreateUser_ComparesCanonicalNames_AndRefusesReservedOnes(string username, HttpStatusCode expected)
    {
        using var admin = await server.App.CreateAdminClientAsync();

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = "long-enough-password", role = "Admin" });

        await AuthTests.AssertProblemAsync(response, expected, "username");
    }

    [Fact]
    public async Task SignIn_IgnoresTheCaseOfTheUsername()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "ADMIN", password = HiPortalApp.AdminPassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("-lead")]
    public async Task CreateFleet_RefusesDotNames(string name)
    {
        using var admin = await server.App.CreateAdminClientAsync();

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/fleets", new { name });

        await AuthTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task CreateFleet_RefusesANameDifferingOnlyInCase()
    {
        using var admin = await server.App.CreateAdminClientAsync();
        var name = FleetApi.Unique("case");
        await admin.CreateFleetAsync(name);

        using var twin = await admin.PostAsJsonAsync("/api/v1/admin/fleets", new { name = name.ToUpperInvariant() });

        await AuthTests.AssertProblemAsync(twin, HttpStatusCode.Conflict, "name");
    }

    private static async Task<double> MedianMillisecondsAsync(HttpClient client, string username)
    {
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username, password = "wrong-password" });
            times.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        return times.Order().ElementAt(times.Count / 2);
    }
}
