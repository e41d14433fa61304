using HiPortal.Contracts;

namespace HiPortal.DeviceSdk.Transport;

/// <summary>
/// The server's <see cref="Routes"/> relative to the server in use (<see cref="HiDeviceOptions.ServerUri"/> or a fallback): requests resolve against a
/// base address that may carry a path prefix (<c>https://host/hiportal/</c>), which an absolute <c>/api/...</c> would drop.
/// </summary>
internal static class DeviceRoutes
{
    public static readonly string Offloads = Relative(Routes.Offloads);
    public static readonly string OffloadsBatch = Relative(Routes.OffloadsBatch);
    public static readonly string Telemetry = Relative(Routes.Telemetry);
    public static readonly string Config = Relative(Routes.Config);
    public static readonly string ConfigAck = Relative(Routes.ConfigAck);

    private static string Relative(string route) => route.TrimStart('/');
}
