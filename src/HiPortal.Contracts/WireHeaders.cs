namespace HiPortal.Contracts;

/// <summary>Headers of the binary offload form (<c>application/octet-stream</c>) and of the ingest answers.</summary>
public static class WireHeaders
{
    public const string SampleId = "X-HiPortal-Sample-Id";
    public const string Datatype = "X-HiPortal-Datatype";
    public const string LocalClass = "X-HiPortal-Local-Class";
    public const string LocalConfidence = "X-HiPortal-Local-Confidence";
    public const string LocalMicros = "X-HiPortal-Local-Micros";
    public const string Label = "X-HiPortal-Label";
    public const string CapturedAt = "X-HiPortal-Captured-At";

    /// <summary>"true" on an exploration offload: the device's rule would have kept the sample (fleet setting ε).</summary>
    public const string Exploration = "X-HiPortal-Exploration";

    /// <summary>How long the device will wait for the answer; the server drops a sample it cannot answer in time.</summary>
    public const string Deadline = "X-HiPortal-Deadline-Ms";

    public const string RetryAfter = "Retry-After";

    /// <summary>The content type of the binary offload form.</summary>
    public const string BinaryContentType = "application/octet-stream";

    /// <summary>The content type of every error answer (RFC 7807).</summary>
    public const string ProblemContentType = "application/problem+json";
}
