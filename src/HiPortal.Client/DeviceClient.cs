using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>A <see cref="HiPortalClient"/> signed in as one registered device (its key as the bearer).</summary>
public sealed class DeviceClient : HiPortalClient
{
    public DeviceClient(Uri baseAddress, CreatedDevice device, HttpMessageHandler? handler = null, bool disposeHandler = true)
        : base(baseAddress, handler, disposeHandler)
    {
        Device = device;
        Bearer = device.Key;
    }

    public CreatedDevice Device { get; }

    public string DeviceId => Device.DeviceId;

    public string Fleet => Device.Fleet;
}
