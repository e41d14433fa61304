using HiPortal.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Devices;

/// <summary>The key endpoints: HTTP answers to <see cref="DeviceAdmin"/>'s outcomes (the rules live there).</summary>
public static class DeviceKeysApi
{
    public const int MaxActiveKeys = DeviceAdmin.MaxActiveKeys;

    public static async Task<Results<Created<RotatedKey>, ProblemHttpResult>> RotateKey(string id, DeviceAdmin admin, CurrentUser user,
        CancellationToken cancellationToken)
    {
        var outcome = await admin.RotateKeyAsync(id, user, cancellationToken);
        return outcome.Value is { } key ? TypedResults.Created(Routes.DeviceKey(id, key.KeyId), key) : outcome.Refusal!.ToProblem();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(string id, string keyId, string? reason, DeviceAdmin admin,
        CurrentUser user, CancellationToken cancellationToken) =>
        await admin.RevokeKeyAsync(id, keyId, reason, user, cancellationToken) is { } refused ? refused.ToProblem() : TypedResults.NoContent();

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeDevice(string id, string? reason, DeviceAdmin admin,
        CurrentUser user, CancellationToken cancellationToken) =>
        await admin.RevokeDeviceAsync(id, reason, user, cancellationToken) is { } refused ? refused.ToProblem() : TypedResults.NoContent();
}
