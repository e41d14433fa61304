using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// The authorization matrix for what issue 14 added or found uncovered: the account routes, OIP and the live hub,
/// for every kind of caller, including a token whose user was signed out (stale security stamp).
/// </summary>
public sealed class SecurityAuthorizationMatrixTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var caller in new[] { "anonymous", "device", "operator", "admin", "signed-out" })
        {
            foreach (var route in new[] { "password", "disabled", "sign-out", "delete", "oip-infer", "oip-metadata", "hub" })
            {
                data.Add(caller, route);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryCallerKind_GetsTheAnswerItsRoleAllows(string caller, string route)
    {
        using var admin = await server.App.CreateAdminAsync();
        var target = await CreateOperatorAsync(admin);
        using var client = await ClientAsync(admin, caller);
        using var request = Request(route, target);

        using var response = await client.SendAsync(request);

        var expected = Expected(caller, route);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{caller} {route}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
    }

    private static HttpStatusCode Expected(string caller, string route) => (caller, route) switch
    {
        ("anonymous" or "signed-out", _) => HttpStatusCode.Unauthorized,
        ("device", "oip-infer" or "oip-metadata") => HttpStatusCode.OK,
        ("device", _) => HttpStatusCode.Forbidden,
        ("operator", "oip-infer" or "oip-metadata" or "hub") => HttpStatusCode.OK,
        ("operator", _) => HttpStatusCode.Forbidden,
        _ => HttpStatusCode.OK,
    };

    // Hand-made requests: every caller sends the same one, so the typed client (which throws) is not the tool here.
    private static HttpRequestMessage Request(string route, string target) => route switch
    {
        "password" => new(HttpMethod.Put, Routes.UserPassword(target)) { Content = JsonContent.Create(new { password = "a-new-long-password" }) },
        "disabled" => new(HttpMethod.Put, Routes.UserDisabled(target)) { Content = JsonContent.Create(new { disabled = true }) },
        "sign-out" => new(HttpMethod.Post, Routes.UserSignOut(target)),
        "delete" => new(HttpMethod.Delete, Routes.User(target)),
        "oip-infer" => new(HttpMethod.Post, "/v2/models/fashion-large/infer") { Content = JsonContent.Create(SecurityRateLimitTests.InferBody(1)) },
        "oip-metadata" => new(HttpMethod.Get, "/v2/models/fashion-large"),
        _ => new(HttpMethod.Post, $"{Routes.LiveHub}/negotiate?negotiateVersion=1"),
    };

    private async Task<HiPortalClient> ClientAsync(HiPortalClient admin, string caller)
    {
        switch (caller)
        {
            case "anonymous":
                return server.App.CreateAnonymousClient();
            case "device":
                return server.App.CreateDeviceClient(server.Device);
            case "admin":
                return await server.App.CreateAdminAsync();
        }

        var username = await CreateOperatorAsync(admin);
        var client = await server.App.SignInAsync(username, HiPortalHost.UserPassword);
        if (caller == "signed-out")
        {
            await admin.SignOutUserAsync(username);
        }

        return client;
    }

    private static async Task<string> CreateOperatorAsync(HiPortalClient admin)
    {
        var username = Samples.Unique("mx");
        await admin.CreateUserAsync(username, HiPortalHost.UserPassword, "Operator");
        return username;
    }
}
