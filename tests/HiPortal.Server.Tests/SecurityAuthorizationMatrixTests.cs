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
        using var admin = await server.App.CreateAdminClientAsync();
        var target = await CreateUserAsync(admin, "Operator");
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

    private static HttpRequestMessage Request(string route, string target) => route switch
    {
        "password" => new(HttpMethod.Put, $"/api/v1/admin/users/{target}/password") { Content = JsonContent.Create(new { password = "a-new-long-password" }) },
        "disabled" => new(HttpMethod.Put, $"/api/v1/admin/users/{target}/disabled") { Content = JsonContent.Create(new { disabled = true }) },
        "sign-out" => new(HttpMethod.Post, $"/api/v1/admin/users/{target}/sign-out"),
        "delete" => new(HttpMethod.Delete, $"/api/v1/admin/users/{target}"),
        "oip-infer" => new(HttpMethod.Post, "/v2/models/large/infer") { Content = JsonContent.Create(SecurityRateLimitTests.Infer(1)) },
        "oip-metadata" => new(HttpMethod.Get, "/v2/models/large"),
        _ => new(HttpMethod.Post, "/hubs/live/negotiate?negotiateVersion=1"),
    };

    private async Task<HttpClient> ClientAsync(HttpClient admin, string caller)
    {
        switch (caller)
        {
            case "anonymous":
                return server.App.CreateClient();
            case "device":
                return server.App.CreateDeviceClient(server.Device);
            case "admin":
                return await server.App.CreateAdminClientAsync();
        }

        var username = await CreateUserAsync(admin, "Operator");
        var client = await SecurityIdentityTests.SignedInAsync(server.App, username, Password);
        if (caller == "signed-out")
        {
            using var signedOut = await admin.PostAsync($"/api/v1/admin/users/{username}/sign-out", null);
            await signedOut.JsonAsync(HttpStatusCode.OK);
        }
        return client;
    }

    private const string Password = "matrix-user-password";

    private static async Task<string> CreateUserAsync(HttpClient admin, string role)
    {
        var username = FleetApi.Unique("mx");
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = Password, role });
        await created.JsonAsync(HttpStatusCode.Created);
        return username;
    }
}
