namespace HiPortal.Server.Live;

/// <summary>
/// Which instance sends the live stream to hub clients when several share a backplane (see ScaleOut/): one at a
/// time, so a browser gets one snapshot per fleet per tick, not one per instance. Absent: this instance always does.
/// </summary>
public interface IPublisherLease
{
    /// <summary>True when this instance holds (or has just taken or renewed) the lease for the next interval.</summary>
    ValueTask<bool> HoldAsync(CancellationToken cancellationToken);
}
