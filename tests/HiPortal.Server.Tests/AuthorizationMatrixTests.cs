using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

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
            _ => Json(HttpMethod.Post, "/api/v1/admin/fleets", new { name = Samples.Unique("m") })),
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
            _ => Json(HttpMethod.Post, "/api/v1/admin/users", new { username = Samples.Unique("u"), password = "long-enough-password", role = "Operator" })),
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
        ["GET decisions"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, $"/api/v1/decisions?fleet={MatrixServer.Fleet}&limit=5")),
        ["GET advice"] = new(Group.Reader, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, $"/api/v1/admin/advice?fleet={MatrixServer.AdviceFleet}")),

        ["POST offloads"] = new(Group.Device, HttpStatusCode.OK,
            _ => Json(HttpMethod.Post, "/api/v1/offloads", Samples.Offload(0, Samples.Unique("matrix")))),
        ["GET config"] = new(Group.Device, HttpStatusCode.OK, _ => Bare(HttpMethod.Get, "/api/v1/config")),
        ["POST config ack"] = new(Group.Device, HttpStatusCode.OK,
            _ => Json(HttpMethod.Post, "/api/v1/config/ack", new { version = 1, status = "applied" })),
        ["POST telemetry"] = new(Group.Device, HttpStatusCode.OK, _ => Json(HttpMethod.Post, "/api/v1/telemetry", new
        {
            reports = new[]
            {
                new
                {
                    // Dates near now: the server refuses telemetry older than two years.
                    sequence = 1, periodStart = DateTimeOffset.UtcNow.AddSeconds(-10), periodEnd = DateTimeOffset.UtcNow,
                    samples = 10, decidedLocally = 8, offloaded = 2,
                },
            },
        })),
        ["POST OIP infer"] = new(Group.Inference, HttpStatusCode.OK, _ => Json(HttpMethod.Post, "/v2/models/fashion-large/infer", new
        {
            inputs = new[] { new { name = "input", shape = new[] { 1, 784 }, datatype = "UINT8", data = Samples.Test.Sample(0).ToArray().Select(p => (int)p).ToArray() } },
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
