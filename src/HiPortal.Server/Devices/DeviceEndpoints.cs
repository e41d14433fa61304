using HiPortal.Server.Identity;

namespace HiPortal.Server.Devices;

public static class DeviceEndpoints
{
    /// <summary>
    /// A route group devices call as themselves: the device policy is set here once, for offloads, telemetry and
    /// configuration alike, so their handlers hold only the domain (rate limits apply to every caller, in
    /// <c>UseCallerRateLimits</c>).
    /// </summary>
    public static RouteGroupBuilder MapDeviceGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix).RequireAuthorization(Policies.Device);
}
