namespace HiPortal.DeviceSdk;

/// <summary>
/// The one place a device counts. A lock (not separate Interlocked counters) keeps every snapshot consistent,
/// e.g. samples ≥ decidedLocally + offloaded in each telemetry period.
/// </summary>
internal sealed class DeviceCounters
{
    private readonly Lock _lock = new();
    private readonly DeviceStatistics _totals = new();

    public void Update(Action<DeviceStatistics> change)
    {
        lock (_lock)
        {
            change(_totals);
        }
    }

    public DeviceStatistics Snapshot()
    {
        lock (_lock)
        {
            return _totals.Clone();
        }
    }
}
