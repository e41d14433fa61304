namespace HiPortal.Server.RateLimiting;

/// <summary>
/// Token buckets kept outside the process, shared by every instance of a deployment (see ScaleOut/), so a caller
/// spreading requests over instances gets one share, not one per instance.
/// </summary>
public interface ISharedRateLimits
{
    /// <summary>
    /// Takes <paramref name="cost"/> from the caller's shared bucket: <see cref="SharedTake.Answered"/> is false when
    /// the store could not answer in time, and the caller then falls back to this instance's bucket.
    /// </summary>
    ValueTask<SharedTake> TryTakeAsync(string key, double ratePerSecond, double burst, double cost, CancellationToken cancellationToken);
}

/// <summary>A shared bucket's answer: allowed (<see cref="Wait"/> null) or how long until it would be.</summary>
public readonly record struct SharedTake(bool Answered, TimeSpan? Wait);
