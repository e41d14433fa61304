using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// One server with a caller of every kind: nobody, an operator, the admin, two devices (A and B, with different
/// configurations: A is at version 3, B at version 2) and a device key that was revoked.
/// </summary>
public sealed class MatrixServer : IAsyncLifetime
{
    public const string Fleet = "matrix";
    public const string WriteFleet = "matrix-write";
    public const string AdviceFleet = "matrix-advice";
    public const string OperatorName = "matrix-operator";
    public const string OperatorPassword = "operator-password-1";
    public const double ThresholdA = 0.55;
    public const double ThresholdB = 0.33;

    public HiPortalApp App { get; } = new();

    public HttpClient Admin { get; private set; } = null!;

    public string OperatorToken { get; private set; } = null!;

    public HiPortalApp.DeviceCredentials DeviceA { get; private set; } = null!;

    public HiPortalApp.DeviceCredentials DeviceB { get; private set; } = null!;

    /// <summary>A device in <see cref="WriteFleet"/> that admin writes change.</summary>
    public HiPortalApp.DeviceCredentials Target { get; private set; } = null!;

    /// <summary>Devices the admin's calls revoke (a key, the whole device).</summary>
    public HiPortalApp.DeviceCredentials KeyToRevoke { get; private set; } = null!;

    public HiPortalApp.DeviceCredentials DeviceToRevoke { get; private set; } = null!;

    public string RevokedKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (await App.StartAsync()).Dispose();
        Admin = await App.CreateAdminClientAsync();
        using (var user = await Admin.PostAsJsonAsync("/api/v1/admin/users",
            new { username = OperatorName, password = OperatorPassword, role = "Operator" }))
        {
            await user.JsonAsync(HttpStatusCode.Created);
        }

        OperatorToken = await TokenAsync(OperatorName, OperatorPassword);
        DeviceA = await App.CreateDeviceAsync("device-a", Fleet);
        DeviceB = await App.CreateDeviceAsync("device-b", Fleet);
        await Admin.SetOverrideAsync(DeviceA.DeviceId, new { threshold = 0.5 });
        await Admin.SetOverrideAsync(DeviceA.DeviceId, new { threshold = ThresholdA });
        await Admin.SetOverrideAsync(DeviceB.DeviceId, new { threshold = ThresholdB });
        Target = await App.CreateDeviceAsync("target", WriteFleet);
        KeyToRevoke = await App.CreateDeviceAsync("key-to-revoke", WriteFleet);
        DeviceToRevoke = await App.CreateDeviceAsync("device-to-revoke", WriteFleet);

        // A second key for A, revoked at once: A's first key stays valid.
        using (var rotated = await Admin.PostAsync($"/api/v1/admin/devices/{DeviceA.DeviceId}/keys", null))
        {
            var key = await rotated.JsonAsync(HttpStatusCode.Created);
            RevokedKey = key.GetProperty("key").GetString()!;
            using var revoked = await Admin.DeleteAsync($"/api/v1/admin/devices/{DeviceA.DeviceId}/keys/{key.GetProperty("keyId").GetString()}");
            await revoked.JsonAsync(HttpStatusCode.NoContent);
        }

        // Offloads in a fleet of their own, so applying advice there has something to apply.
        using var adviser = App.CreateDeviceClient(await App.CreateDeviceAsync("adviser", AdviceFleet));
        await adviser.PostLabelledOffloadsAsync(8, "matrix-advice");
    }

    public async Task<string> TokenAsync(string username, string password)
    {
        using var client = App.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        return (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("token").GetString()!;
    }

    public HttpClient ClientFor(Caller caller)
    {
        var client = App.CreateClient();
        var bearer = caller switch
        {
            Caller.Anonymous => null,
            Caller.Operator => OperatorToken,
            Caller.Admin => Admin.DefaultRequestHeaders.Authorization!.Parameter,
            Caller.DeviceA => DeviceA.Key,
            Caller.DeviceB => DeviceB.Key,
            Caller.RevokedKey => RevokedKey,
            _ => throw new ArgumentOutOfRangeException(nameof(caller)),
        };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await App.DisposeAsync();
    }
}

public enum Caller
{
    Anonymous,
    Operator,
    Admin,
    DeviceA,
    DeviceB,
    RevokedKey,
}

/// <summary>Who may call what: every caller against every route group, with the exact status each must get.</summary>
public sealed class AuthorizationMatrixTests(MatrixServer server) : IClassFixture<MatrixServer>
{
    private enum Group
    {
        /// <summary>Changes (and the user list): admins only.</summary>
        AdminOnly,

        /// <summary>Reads: admins and operators.</summary>
        Reader,

        /// <summary>A device acting as itself.</summary>
        Device,

        /// <summary>The large model through OIP: any signed-in person or device.</summary>
        Inference,
    }

    private sealed record Route(Group Group, HttpStatusCode Success, Func<MatrixServer, HttpRequestMessage> Request);

    private static readonly Dictionary<string, Route> s_routes = new()
    {
        ["POST fleets"] = new(Group.AdminOnly, HttpStatusCode.Created,
            _ => Json(HttpMethod.Post, "/api/v1/admin/fleets", new { name = FleetApi.Unique("m") })),
        ["PUT fleet config"] = new(Group.AdminOnly, HttpStatusCode.OK,
            _ => Json(HttpMethod.Put, $"/api/v1/admin/fleets/{MatrixServer.WriteFleet}/config", new { telemetryIntervalSeconds = 20 })),
        ["PUT fleet settings"] = new(Group.AdminOnly, HttpStatusCode.OK,
            _ => Json(HttpMethod.Put, $"/api/v1/admin/fleets/{MatrixServer.WriteFleet}/settings", new { rateLimitBurst = 50 })),
        ["POST devices"] = new(Group.AdminOnly, HttpStatusCode.Created,
            _ => Json(HttpMethod.Post, "/api/v1/admin/devices", new { name = "new", fleet = MatrixServer.WriteFleet })),
        ["PUT device config"] = new(Group.AdminOnly, HttpStatusCode.OK,
            s => Json(HttpMethod.Put, $"/api/v1/admin/devices/{s.Target.DeviceId}/config", new { threshold = 0.7 })),
        ["DELETE device config"] = new(Group.AdminOnly, HttpStatusCode.OK,
            s => Bare(HttpMethod.Delete, $"/api/v1/admin/devices/{s.Target.DeviceId}/config")),
        ["POST device keys"] = new(Group.AdminOnly, HttpStatusCode.Created,
            s => Bare(HttpMethod.Post, $"/api/v1/admin/devices/{s.Target.DeviceId}/keys")),
        ["DELETE device key"] = new(Group.AdminOnly, HttpStatusCode.NoContent,
            s => Bare(HttpMethod.Delete, $"/api/v1/admin/devices/{s.KeyToRevoke.DeviceId}/keys/{s.KeyToRevoke.Key.Split('_')[1]}")),
        ["POST device revoke"] = new(Group.AdminOnly, HttpStatusCode.NoContent,
            s => Bare(HttpMethod.Post, $"/api/v1/admin/devices/{s.DeviceToRevoke.DeviceId}/revoke")),
        ["POST users"] = new(Group.AdminOnly, HttpStatusCode.Created,
            _ => Json(HttpMethod.Post, "/api/v1/admin/users", new { username = FleetApi.Unique("u"), password = "long-enough-password", role = "Operator" })),
        ["PUT user role"] = new(Group.AdminOnly, HttpStatusCode.OK,
            _ => Json(HttpMethod.Put, $"/api/v1/admin/users/{MatrixServer.OperatorName}/role", new { role = "Operator" })),
        ["GET users"] = new(Group.AdminOnly, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, "/api/v1/admin/users")),
        ["POST advice apply"] = new(Group.AdminOnly, HttpStatusCode.OK,
            _ => Json(HttpMethod.Post, "/api/v1/admin/advice/apply", new { fleet = MatrixServer.AdviceFleet, source = "online" })),

        ["GET fleets"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, "/api/v1/admin/fleets")),
        ["GET fleet"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, $"/api/v1/admin/fleets/{MatrixServer.Fleet}")),
        ["GET devices"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, "/api/v1/admin/devices?pageSize=5")),
        ["GET device"] = new(Group.Reader, HttpStatusCode.OK, s => Bare(HttpMethod.Get, $"/api/v1/admin/devices/{s.DeviceA.DeviceId}")),
        ["GET config history"] = new(Group.Reader, HttpStatusCode.OK,
            s => Bare(HttpMethod.Get, $"/api/v1/admin/devices/{s.DeviceA.DeviceId}/config-history")),
        ["GET audit"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, "/api/v1/admin/audit?take=5")),
        ["GET advice"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, $"/api/v1/admin/advice?fleet={MatrixServer.AdviceFleet}")),

        ["POST offloads"] = new(Group.Device, HttpStatusCode.OK,
            _ => Json(HttpMethod.Post, "/api/v1/offloads", Samples.OffloadBody(0, FleetApi.Unique("matrix")))),
        ["GET config"] = new(Group.Device, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, "/api/v1/config")),
        ["POST config ack"] = new(Group.Device, HttpStatusCode.OK,
            _ => Json(HttpMethod.Post, "/api/v1/config/ack", new { version = 1, status = "applied" })),
        ["POST telemetry"] = new(Group.Device, HttpStatusCode.OK, _ => Json(HttpMethod.Post, "/api/v1/telemetry", new
        {
            reports = new[]
            {
                new
                {
                    sequence = 1, periodStart = "2026-11-26T10:00:00Z", periodEnd = "2026-11-26T10:00:10Z",
                    samples = 10, decidedLocally = 8, offloaded = 2,
                },
            },
        })),
        ["POST OIP infer"] = new(Group.Inference, HttpStatusCode.OK, _ => Json(HttpMethod.Post, "/v2/models/large/infer", new
        {
            inputs = new[] { new { name = "input", shape = new[] { 1, 784 }, datatype = "UINT8", data = Samples.Test.Image(0).ToArray().Select(p => (int)p).ToArray() } },
        })),
    };

    public static TheoryData<string, Caller, int> Cases()
    {
        var data = new TheoryData<string, Caller, int>();
        foreach (var (name, route) in s_routes)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                data.Add(name, caller, (int)Expected(route, caller));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Route_AnswersExactlyTheExpectedStatus_ForEachKindOfCaller(string route, Caller caller, int expected)
    {
        using var client = server.ClientFor(caller);
        using var request = s_routes[route].Request(server);

        using var response = await client.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{route} as {caller}: expected {expected}, got {(int)response.StatusCode} {body}");
    }

    [Fact]
    public async Task RevokedKey_IsRefusedAtOnce_RightAfterItWasAccepted()
    {
        var device = await server.App.CreateDeviceAsync("revoke-now", MatrixServer.Fleet);
        using var rotated = await server.Admin.PostAsync($"/api/v1/admin/devices/{device.DeviceId}/keys", null);
        var newKey = await rotated.JsonAsync(HttpStatusCode.Created);
        using var withNewKey = server.App.CreateDeviceClient(device with { Key = newKey.GetProperty("key").GetString()! });
        using var withOldKey = server.App.CreateDeviceClient(device);
        // Accepted, so the verifier has cached the key.
        await withNewKey.GetConfigAsync();

        using var revoke = await server.Admin.DeleteAsync(
            $"/api/v1/admin/devices/{device.DeviceId}/keys/{newKey.GetProperty("keyId").GetString()}");
        await revoke.JsonAsync(HttpStatusCode.NoContent);
        using var refused = await withNewKey.GetAsync("/api/v1/config");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await withOldKey.GetConfigAsync();
    }

    [Fact]
    public async Task RevokedDevice_IsRefusedAtOnce_WithEveryKey()
    {
        var device = await server.App.CreateDeviceAsync("revoke-device", MatrixServer.Fleet);
        using var client = server.App.CreateDeviceClient(device);
        await client.OffloadAsync(1, "before-revoke");

        using var revoke = await server.Admin.PostAsync($"/api/v1/admin/devices/{device.DeviceId}/revoke", null);
        await revoke.JsonAsync(HttpStatusCode.NoContent);
        using var offload = await client.PostAsJsonAsync("/api/v1/offloads", Samples.OffloadBody(2, "after-revoke"));
        using var config = await client.GetAsync("/api/v1/config");

        Assert.Equal(HttpStatusCode.Unauthorized, offload.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, config.StatusCode);
    }

    [Fact]
    public async Task KeyRotation_KeepsAtMostTwoActiveKeys()
    {
        var device = await server.App.CreateDeviceAsync("rotation", MatrixServer.Fleet);
        using var second = await server.Admin.PostAsync($"/api/v1/admin/devices/{device.DeviceId}/keys", null);
        var rotated = await second.JsonAsync(HttpStatusCode.Created);

        using var third = await server.Admin.PostAsync($"/api/v1/admin/devices/{device.DeviceId}/keys", null);

        Assert.Equal(2, rotated.GetProperty("activeKeyIds").GetArrayLength());
        await AuthTests.AssertProblemAsync(third, HttpStatusCode.Conflict, "keys");
    }

    [Fact]
    public async Task DeviceConfig_IsTheCallingDevicesOwn()
    {
        using var a = server.App.CreateDeviceClient(server.DeviceA);
        using var b = server.App.CreateDeviceClient(server.DeviceB);

        var configA = await a.GetConfigAsync();
        var configB = await b.GetConfigAsync();

        Assert.Equal(MatrixServer.ThresholdA, configA.GetProperty("threshold").GetDouble());
        Assert.Equal(3, configA.GetProperty("version").GetInt64());
        Assert.Equal(MatrixServer.ThresholdB, configB.GetProperty("threshold").GetDouble());
        Assert.Equal(2, configB.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task DeviceAck_Returns400NamingVersion_ForAVersionOnlyAnotherDeviceHas()
    {
        using var b = server.App.CreateDeviceClient(server.DeviceB);
        var reportedA = await ReportedAsync(server.DeviceA);
        var reportedB = await ReportedAsync(server.DeviceB);

        using var response = await b.PostAsJsonAsync("/api/v1/config/ack", new { version = 3, status = "applied" });

        await AuthTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "version");
        Assert.Equal(reportedA, await ReportedAsync(server.DeviceA));
        Assert.Equal(reportedB, await ReportedAsync(server.DeviceB));
    }

    [Fact]
    public async Task Operator_IsRefusedAChange_AndTheChangeLeavesNoTrace()
    {
        using var op = server.ClientFor(Caller.Operator);
        var before = await server.Admin.GetFleetAsync(MatrixServer.Fleet);

        using var response = await op.PutAsJsonAsync($"/api/v1/admin/fleets/{MatrixServer.Fleet}/config", new { threshold = 0.99 });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var after = await server.Admin.GetFleetAsync(MatrixServer.Fleet);
        Assert.Equal(before.GetProperty("desired").GetProperty("threshold").GetDouble(), after.GetProperty("desired").GetProperty("threshold").GetDouble());
        Assert.Empty(await server.Admin.AuditAsync($"actor={MatrixServer.OperatorName}"));
    }

    private async Task<string> ReportedAsync(HiPortalApp.DeviceCredentials device)
    {
        var row = (await server.Admin.GetDeviceAsync(device.DeviceId)).GetProperty("device");
        return $"{row.GetProperty("reportedVersion")} {row.GetProperty("reportedStatus")}";
    }

    private static HttpStatusCode Expected(Route route, Caller caller) => (route.Group, caller) switch
    {
        (_, Caller.Anonymous or Caller.RevokedKey) => HttpStatusCode.Unauthorized,
        (Group.AdminOnly, Caller.Admin) => route.Success,
        (Group.AdminOnly, _) => HttpStatusCode.Forbidden,
        (Group.Reader, Caller.Admin or Caller.Operator) => route.Success,
        (Group.Reader, _) => HttpStatusCode.Forbidden,
        (Group.Device, Caller.DeviceA or Caller.DeviceB) => route.Success,
        (Group.Device, _) => HttpStatusCode.Forbidden,
        (Group.Inference, _) => route.Success,
        _ => throw new ArgumentOutOfRangeException(nameof(route)),
    };

    private static HttpRequestMessage Json(HttpMethod method, string path, object body) =>
        new(method, path) { Content = JsonContent.Create(body) };

    private static HttpRequestMessage Bare(HttpMethod method, string path) => new(method, path);
}
