using HiPortal.Cli.Common;

namespace HiPortal.Cli.Simulate;

/// <summary>What <c>hiportal simulate</c> was asked to do.</summary>
public sealed record SimulationSettings(
    Uri Server,
    int Devices,
    double Rate,
    TimeSpan? Duration,
    int? Samples,
    string? KeyFile,
    string AdminUser,
    string? AdminPassword,
    DriftKind Drift,
    string Fleet,
    bool Insecure,
    string? CertificateSha256,
    string Output,
    DataSelection Data,
    string Profile,
    int BufferCapacity,
    TimeSpan DrainTimeout,
    int Seed);
