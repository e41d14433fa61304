using HiPortal.Contracts;
namespace HiPortal.DeviceSdk;

/// <summary>The outcome of one sample: the local answer, and the server's when it was offloaded.</summary>
public sealed record SampleResult
{
    /// <summary>The offload's id (unique per device); null for local decisions.</summary>
    public string? SampleId { get; init; }

    /// <summary>The tiny model's class.</summary>
    public required int LocalClass { get; init; }

    /// <summary>The tiny model's top probability.</summary>
    public required float LocalConfidence { get; init; }

    /// <summary>True when the sample was sent to the server: by the rule, or as an exploration offload.</summary>
    public required bool Offloaded { get; init; }

    /// <summary>True when the rule would have kept the sample and it was sent as an exploration offload (ε).</summary>
    public bool Explored { get; init; }

    /// <summary>Whether it was decided locally, answered by the server, or buffered.</summary>
    public required OffloadStatus Status { get; init; }

    /// <summary>The server's answer when <see cref="Status"/> is <see cref="OffloadStatus.Answered"/>.</summary>
    public OffloadResponse? Server { get; init; }

    /// <summary>The answer to use now: the server's when there is one, else the tiny model's.</summary>
    public int FinalClass => Server?.PredictedClass ?? LocalClass;

    /// <summary>The configuration whose rule decided.</summary>
    public required DeviceConfiguration Configuration { get; init; }

    /// <summary>Time of the tiny model's inference on this device.</summary>
    public required TimeSpan LocalInferenceTime { get; init; }

    /// <summary>Round trip of the successful offload request.</summary>
    public TimeSpan? OffloadRoundTrip { get; init; }

    /// <summary>Whole time in <see cref="HiDeviceClient.ProcessAsync"/>: inference, offload, retries and waits.</summary>
    public required TimeSpan Latency { get; init; }

    /// <summary>HTTP tries made for the offload (0 when local, more than 1 after retries).</summary>
    public int Attempts { get; init; }

    /// <summary>Sample bytes put on the wire for this sample, retries included.</summary>
    public long BytesSent { get; init; }

    /// <summary>
    /// For a buffered sample: completes with the server's answer once the buffer drains, or null if the sample was
    /// dropped (buffer full) or the client was disposed first. Faults with <see cref="HiDeviceException"/> if the
    /// server refuses it. Already complete for other samples.
    /// </summary>
    public required Task<OffloadResponse?> Deferred { get; init; }
}
