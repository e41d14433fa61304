using HiPortal.Core.Online;

namespace HiPortal.DeviceSdk.Offload;

/// <summary>
/// Which kept samples become exploration offloads: Core's seeded <see cref="ExplorationSchedule"/> over this client's
/// sample count, with a seed of its own so devices of one fleet explore different samples.
/// </summary>
internal sealed class ExplorationDraw
{
    private readonly ulong _seed = (ulong)Random.Shared.NextInt64();
    private long _index;

    public bool Explores(double epsilon) =>
        epsilon > 0 && new ExplorationSchedule(epsilon, _seed).Explores(Interlocked.Increment(ref _index));
}
