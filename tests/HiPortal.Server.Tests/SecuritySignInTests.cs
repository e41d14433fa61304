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
        using var admin = await server.App.CreateAdminAsync();
        var username = Samples.Unique("victim");
        await admin.CreateUserAsync(username, HiPortalHost.UserPassword, "Operator");

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await PostTokenAsync(server.Anonymous, username, $"wrong-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var throttled = await PostTokenAsync(server.Anonymous, username, HiPortalHost.UserPassword);
        await SecurityRateLimitTests.AssertTooManyAsync(throttled);
    }

    [Fact]
    public async Task OneClientTryingManyUsernames_IsThrottled()
    {
        await using var app = await StartAsync(("Identity:SignInFailureBurstPerClient", "3"));
        using var client = app.CreateAnonymousClient();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await PostTokenAsync(client, Samples.Unique("guess"), "wrong-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var throttled = await PostTokenAsync(client, Samples.Unique("guess"), "wrong-password");
        await SecurityRateLimitTests.AssertTooManyAsync(throttled);
    }

    [Fact]
    public async Task UnknownUser_IsAnsweredNoFasterThanAKnownOne()
    {
        await using var app = await StartAsync(("Identity:SignInFailureBurstPerUser", "100"), ("Identity:SignInFailureBurstPerClient", "100"));
        using var client = app.CreateAnonymousClient();

        var known = await MedianMillisecondsAsync(client, "admin");
        var unknown = await MedianMillisecondsAsync(client, Samples.Unique("nobody"));

        // Before the fix: 76 ms against 1.6 ms. Both now run one PBKDF2 verification.
        Assert.True(unknown > known * 0.3, $"unknown user {unknown:0.0} ms, known user {known:0.0} ms");
    }

    [Theory]
    [InlineData("          ")]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("abababababab")]
    public async Task CreateUser_RefusesWeakPasswords_NamingPassword(string password)
    {
        using var admin = await server.App.CreateAdminAsync();

        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateUserAsync(Samples.Unique("weak"), password, "Operator"));

        AssertProblem(refused, HttpStatusCode.BadRequest, "password");
    }

    [Theory]
    [InlineData("Admin", HttpStatusCode.Conflict)]
    [InlineData("ADMIN", HttpStatusCode.Conflict)]
    [InlineData("auto", HttpStatusCode.BadRequest)]
    [InlineData("Unknown", HttpStatusCode.BadRequest)]
    [InlineData(".hidden", HttpStatusCode.BadRequest)]
    public async Task CreateUser_ComparesCanonicalNames_AndRefusesReservedOnes(string username, HttpStatusCode expected)
    {
        using var admin = await server.App.CreateAdminAsync();

        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateUserAsync(username, HiPortalHost.UserPassword, "Admin"));

        AssertProblem(refused, expected, "username");
    }

    [Fact]
    public async Task SignIn_IgnoresTheCaseOfTheUsername()
    {
        using var response = await PostTokenAsync(server.Anonymous, "ADMIN", HiPortalHost.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("-lead")]
    public async Task CreateFleet_RefusesDotNames(string name)
    {
        using var admin = await server.App.CreateAdminAsync();

        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateFleetAsync(name));

        AssertProblem(refused, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task CreateFleet_RefusesANameDifferingOnlyInCase()
    {
        using var admin = await server.App.CreateAdminAsync();
        var name = Samples.Unique("case");
        await admin.CreateFleetAsync(name);

        var twin = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.CreateFleetAsync(name.ToUpperInvariant()));

        AssertProblem(twin, HttpStatusCode.Conflict, "name");
    }

    private static Task<HiPortalHost> StartAsync(params (string Key, string Value)[] settings) =>
        HiPortalHost.StartAsync(new HiPortalHostOptions { Settings = settings.ToDictionary(s => s.Key, s => (string?)s.Value) });

    /// <summary>The token request by hand: these tests read a refusal's status and headers, which the typed client turns into a throw.</summary>
    private static Task<HttpResponseMessage> PostTokenAsync(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync(Routes.Token, new TokenRequest(username, password), ContractsJson.Default.TokenRequest);

    private static async Task<double> MedianMillisecondsAsync(HttpClient client, string username)
    {
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await PostTokenAsync(client, username, "wrong-password");
            times.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        return times.Order().ElementAt(times.Count / 2);
    }
}
