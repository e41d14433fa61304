using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Ingest;

/// <summary>Limits of <c>POST /api/v1/offloads/batch</c>.</summary>
public sealed class OffloadBatchOptions
{
    public const string Section = "OffloadBatch";

    /// <summary>Items one request may carry; more is a 413 naming <c>items</c>.</summary>
    [Range(1, 4096)]
    public int MaxItems { get; set; } = 256;

    /// <summary>The whole body's limit: room for <see cref="MaxItems"/> JSON items of a small sample.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 4 * 1024 * 1024;
}
