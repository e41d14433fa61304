using System.Net;
using System.Net.Http.Json;

namespace HiPortal.Server.Tests;

/// <summary>A revoked key or device is refused on its very next call; rotation keeps at most two keys.</summary>
public sealed class KeyRevocationTests(MatrixServer server) : IClassFixture<MatrixServer>
{
    [Fact]
    public async Task RevokedKey_IsRefusedAtOnce_RightAfterItWasAccepted()
    {
        var device = await server.App.RegisterDeviceAsync("revoke-now", MatrixServer.Fleet);
        var newKey = await server.Admin.RotateKeyAsync(device.DeviceId);
        using var withNewKey = server.App.CreateDeviceClient(device with { Key = newKey.Key });
        using var withOldKey = server.App.CreateDeviceClient(device);
        // Accepted, so the verifier has cached the key.
        await withNewKey.GetConfigAsync();

        await server.Admin.RevokeKeyAsync(device.DeviceId, newKey.KeyId);
        using var refused = await withNewKey.GetAsync("/api/v1/config");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await withOldKey.GetConfigAsync();
    }

    [Fact]
    public async Task RevokedDevice_IsRefusedAtOnce_WithEveryKey()
    {
        using var client = await server.App.CreateDeviceAsync("revoke-device", MatrixServer.Fleet);
        await client.OffloadAsync(1, "before-revoke");

        await server.Admin.RevokeDeviceAsync(client.DeviceId);
        using var offload = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(2, "after-revoke"));
        using var config = await client.GetAsync("/api/v1/config");

        Assert.Equal(HttpStatusCode.Unauthorized, offload.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, config.StatusCode);
    }

    [Fact]
    public async Task KeyRotation_KeepsAtMostTwoActiveKeys()
    {
        var device = await server.App.RegisterDeviceAsync("rotation", MatrixServer.Fleet);
        var rotated = await server.Admin.RotateKeyAsync(device.DeviceId);

        using var third = await server.Admin.PostAsync($"/api/v1/admin/devices/{device.DeviceId}/keys", null);

        Assert.Equal(2, rotated.ActiveKeyIds.Count);
        await AssertProblemAsync(third, HttpStatusCode.Conflict, "keys");
    }
}
