using HiPortal.Server.Identity;
using HiPortal.Server.RateLimiting;

namespace HiPortal.Server.Devices;

public static class DeviceEndpoints
{
    /// <summary>
    /// A route group devices call as themselves: the device policy and the per-device rate limit are set here once,
    /// for offloads, telemetry and configuration alike, so their handlers hold only the domain.
    /// </summary>
    public static RouteGroupBuilder MapDeviceGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix).RequireAuthorization(Policies.Device).AddEndpointFilter<DeviceRateLimitFilter>();
}
