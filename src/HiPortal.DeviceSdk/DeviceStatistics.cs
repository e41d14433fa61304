namespace HiPortal.DeviceSdk;

/// <summary>A device's counters since it started (a consistent snapshot).</summary>
public sealed class DeviceStatistics
{
    private long[] _errors = new long[Enum.GetValues<HiDeviceErrorKind>().Length];

    /// <summary>Samples run through the tiny model.</summary>
    public long Samples { get; internal set; }

    /// <summary>Samples the rule kept on the device.</summary>
    public long DecidedLocally { get; internal set; }

    /// <summary>Samples the rule sent to the server.</summary>
    public long Offloaded { get; internal set; }

    /// <summary>Of <see cref="Offloaded"/>, samples the rule would have kept, sent as exploration offloads (ε).</summary>
    public long ExplorationOffloads { get; internal set; }

    /// <summary>Offloads the server answered (directly or after buffering).</summary>
    public long Answered { get; internal set; }

    /// <summary>Answers the server replayed from storage (the sample had reached it before).</summary>
    public long Replayed { get; internal set; }

    /// <summary>Offloads put in the offline buffer.</summary>
    public long Buffered { get; internal set; }

    /// <summary>Buffered offloads dropped, oldest first, because the buffer was full.</summary>
    public long Dropped { get; internal set; }

    /// <summary>Buffered offloads answered once the server came back.</summary>
    public long Drained { get; internal set; }

    /// <summary>Offload tries repeated after a transient failure.</summary>
    public long Retries { get; internal set; }

    /// <summary>Times the device moved to its next server because the one in use did not answer.</summary>
    public long ServerSwitches { get; internal set; }

    /// <summary>HTTP offload tries made (radio transmissions).</summary>
    public long Transmissions { get; internal set; }

    /// <summary>Sample bytes sent, retries included.</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Sum of the tiny model's inference times.</summary>
    public long LocalInferenceMicros { get; internal set; }

    /// <summary>Sum of successful offload round trips.</summary>
    public long OffloadRttMicrosSum { get; internal set; }

    /// <summary>Number of successful offload round trips.</summary>
    public long OffloadRttCount { get; internal set; }

    /// <summary>Telemetry posts the server accepted.</summary>
    public long TelemetrySent { get; internal set; }

    /// <summary>Telemetry posts that failed (their reports are resent next time).</summary>
    public long TelemetryFailed { get; internal set; }

    /// <summary>Configuration versions applied.</summary>
    public long ConfigurationsApplied { get; internal set; }

    /// <summary>Configuration versions rejected as invalid.</summary>
    public long ConfigurationsRejected { get; internal set; }

    /// <summary>Failed requests (every try, every endpoint) by kind.</summary>
    public IReadOnlyDictionary<HiDeviceErrorKind, long> Errors =>
        Enum.GetValues<HiDeviceErrorKind>().Where(k => _errors[(int)k] > 0).ToDictionary(k => k, k => _errors[(int)k]);

    internal void CountError(HiDeviceErrorKind kind) => _errors[(int)kind]++;

    internal DeviceStatistics Clone()
    {
        var copy = (DeviceStatistics)MemberwiseClone();
        copy._errors = (long[])_errors.Clone();
        return copy;
    }
}
