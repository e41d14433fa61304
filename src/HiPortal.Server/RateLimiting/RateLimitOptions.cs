using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.RateLimiting;

/// <summary>
/// Limits for callers that are not devices (devices take theirs from their fleet) and for what the server buffers.
/// Costs are in samples: a plain request costs 1, an OIP inference one per sample.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Samples (requests) per second for each admin or operator, across every fleet.</summary>
    [Range(0.001, 1_000_000)]
    public double UserPerSecond { get; set; } = 200;

    [Range(1, 10_000_000)]
    public int UserBurst { get; set; } = 2_048;

    /// <summary>
    /// Request bytes all callers together may hold in memory at once (bodies are read whole before parsing). Past it,
    /// a request is answered 503 with Retry-After instead of growing the process.
    /// </summary>
    [Range(1024 * 1024, 4L * 1024 * 1024 * 1024)]
    public long MaxBufferedBodyBytes { get; set; } = 64L * 1024 * 1024;
}
