namespace HiPortal.DeviceSdk;

/// <summary>A configuration version the server sent, and what the device did with it.</summary>
public sealed class DeviceConfigurationEventArgs(long version, bool applied, string? message, DeviceConfiguration active) : EventArgs
{
    /// <summary>The version received.</summary>
    public long Version { get; } = version;

    /// <summary>True when it now runs; false when it was rejected (see <see cref="Message"/>).</summary>
    public bool Applied { get; } = applied;

    /// <summary>Why it was rejected; null when applied.</summary>
    public string? Message { get; } = message;

    /// <summary>The configuration running after the change (the previous one when rejected).</summary>
    public DeviceConfiguration Active { get; } = active;

    /// <summary>True when the acknowledgement reached the server.</summary>
    public bool Acknowledged { get; init; }
}
