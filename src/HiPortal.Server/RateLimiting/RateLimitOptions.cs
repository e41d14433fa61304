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

    /// <summary>
    /// The largest body an authenticated request may send to a route that sets no limit of its own (the admin JSON
    /// routes, the config ack); past it, 413. The offload, batch, telemetry, Open Inference and model-upload routes
    /// have their own limits, and gRPC its message size.
    /// </summary>
    [Range(64 * 1024, 64L * 1024 * 1024)]
    public long MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The same for a request with no credentials (sign-in, the login form): small, since nothing has vouched for
    /// the caller. Kestrel's own default was 30 MB, and four anonymous 28 MB sign-ins grew the process by 1 GB.
    /// </summary>
    [Range(1024, 1024 * 1024)]
    public long MaxAnonymousBodyBytes { get; set; } = 64 * 1024;
}
