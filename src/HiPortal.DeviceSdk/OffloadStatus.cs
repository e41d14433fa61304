namespace HiPortal.DeviceSdk;

/// <summary>What happened to a sample.</summary>
public enum OffloadStatus
{
    /// <summary>The tiny model was confident enough: decided on the device.</summary>
    Local,

    /// <summary>Offloaded and answered by the server.</summary>
    Answered,

    /// <summary>Offloaded, but the server was unreachable: kept in the offline buffer (see <see cref="SampleResult.Deferred"/>).</summary>
    Buffered,
}
