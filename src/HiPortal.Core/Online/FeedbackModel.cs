namespace HiPortal.Core.Online;

/// <summary>What a deployment learns about a sample after deciding it.</summary>
public enum FeedbackMode
{
    /// <summary>Every sample's true label arrives (e.g. labelled later): the local answer is judged every round.</summary>
    Labels,

    /// <summary>
    /// No local labels: only offloaded samples are judged, by whether the large model agreed with the local answer.
    /// A kept sample reveals nothing unless it is an exploration offload.
    /// </summary>
    LargeModelOnly,
}

/// <summary>
/// Exploration offloads: a fraction ε of the samples the learner would keep is offloaded anyway, so the server
/// sees how the tiny model does above θ. The choice is a seeded hash of the sample's index, not a random draw,
/// so a run is reproducible and a device and the server agree on which samples were exploration.
/// An exploration offload pays the offload cost β like any other.
/// </summary>
public readonly record struct ExplorationSchedule(double Epsilon, ulong Seed)
{
    public static ExplorationSchedule None => new(0, 0);

    /// <summary>Whether the sample at <paramref name="index"/> is explored (if the learner would keep it).</summary>
    public bool Explores(long index)
    {
        if (Epsilon <= 0)
            return false;
        return ToUnit(SplitMix64(Seed ^ (ulong)index)) < Epsilon;
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): a bijective mix whose outputs pass BigCrush.</summary>
    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static double ToUnit(ulong x) => (x >> 11) * (1.0 / (1UL << 53));
}
