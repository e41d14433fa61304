using HiPortal.Core.Decisions;

namespace HiPortal.Cli.Simulate;

/// <summary>One sample a virtual device processed, kept for the report and the offline replay.</summary>
public sealed class SampleRecord
{
    public required int Device { get; init; }

    public required int Image { get; init; }

    public required int Label { get; init; }

    /// <summary>The pixels the device saw (drifted copy); null when they are the data set's own.</summary>
    public byte[]? Pixels { get; init; }

    /// <summary>False when the SDK threw (the server refused the offload for good): there is no answer at all.</summary>
    public bool Decided { get; init; } = true;

    public int LocalClass { get; init; }

    public bool Offloaded { get; init; }

    /// <summary>The server's class, once it answered (directly or after the offline buffer drained).</summary>
    public int? ServerClass { get; set; }

    public bool Buffered { get; init; }

    /// <summary>The rule that decided, to replay the same decision offline.</summary>
    public IOffloadRule? Rule { get; init; }

    public double LatencyMs { get; init; }

    public double? RoundTripMs { get; init; }

    /// <summary>Seconds into the run when the sample was done (for the per-second latency series).</summary>
    public double AtSeconds { get; init; }

    /// <summary>Why the sample failed (an error kind), null when it did not.</summary>
    public string? Error { get; set; }

    /// <summary>The answer the fleet ended with: the server's when it has one, else the tiny model's.</summary>
    public int FinalClass => ServerClass ?? LocalClass;
}
