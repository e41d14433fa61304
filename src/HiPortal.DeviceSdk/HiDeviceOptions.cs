using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;
using HiPortal.Core.Savings;

namespace HiPortal.DeviceSdk;

/// <summary>How a <see cref="HiDeviceClient"/> reaches the server and behaves when it cannot.</summary>
public sealed class HiDeviceOptions
{
    /// <summary>The HiPortal server, e.g. <c>https://edge.local:5001/</c>.</summary>
    public required Uri ServerUri { get; init; }

    /// <summary>
    /// Other instances of the same server (one database), tried in order when the one in use does not answer
    /// (no connection, timeout, 5xx): the retry of an offload goes to the next, under the same sample id, so the
    /// server stores it once. Pinning (<see cref="ServerCertificateThumbprint"/>) applies to each.
    /// </summary>
    public IReadOnlyList<Uri> FallbackUris { get; init; } = [];

    /// <summary>How long the device stays on a fallback before it tries <see cref="ServerUri"/> again.</summary>
    public TimeSpan FailbackAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The device key the server issued (sent as <c>Authorization: Bearer</c>).</summary>
    public required string DeviceKey { get; init; }

    /// <summary>The tiny ONNX model file, its <c>card.json</c> beside it; overrides <see cref="TinyModel"/>.</summary>
    public string? ModelPath { get; init; }

    /// <summary>The tiny model: a version directory (card.json + model.onnx) or <c>name[@version]</c> in
    /// <see cref="ModelRepository"/>. Samples are raw bytes in its card's datatype and shape.</summary>
    public string TinyModel { get; init; } = "fashion-tiny";

    /// <summary>The repository <see cref="TinyModel"/> names a model in; default: the committed models beside the program.</summary>
    public string? ModelRepository { get; init; }

    /// <summary>Where delivered tiny models are stored ({name}/{version}/); default: a folder under the temp directory.</summary>
    public string? ModelCacheDirectory { get; init; }

    /// <summary>An already loaded tiny model to share between clients (not disposed by them); overrides <see cref="ModelPath"/>.</summary>
    public OnnxClassifier? Model { get; init; }

    /// <summary>The hardware the device stands for: prices energy in telemetry.</summary>
    public DeviceProfile Profile { get; init; } = DeviceProfiles.Esp32Wifi;

    /// <summary>Offloads kept while the server is unreachable; beyond it the oldest is dropped (and counted).</summary>
    public int OfflineBufferCapacity { get; init; } = 256;

    /// <summary>Limit on one HTTP request, response included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of one offload after its first try (same sample id each time).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First backoff; each retry doubles it, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between tries, Retry-After included.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Replaces the network stack (tests, simulators sharing one connection pool); not disposed by the client.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; init; }

    /// <summary>SHA-256 (hex) of the server's certificate: when set, only that certificate is accepted (self-signed pinning).</summary>
    public string? ServerCertificateThumbprint { get; init; }

    /// <summary>Accept any server certificate. For test rigs only.</summary>
    public bool AcceptAnyServerCertificate { get; init; }

    /// <summary>Clock for backoff, telemetry periods and long-polls; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The rule used until the server's configuration is fetched (version 0).</summary>
    public string InitialRule { get; init; } = OffloadRules.MaxSoftmax;

    /// <summary>The threshold used until the server's configuration is fetched.</summary>
    public double InitialThreshold { get; init; } = 0.65;

    /// <summary>Coefficients of <see cref="InitialRule"/> when it is top2-lr.</summary>
    public IReadOnlyList<double>? InitialCoefficients { get; init; }

    /// <summary>Telemetry interval until the server's configuration says otherwise.</summary>
    public TimeSpan InitialTelemetryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How much of the first telemetry period may be cut at random (0 to 1): 1, the default, starts the device's
    /// reports at a random phase of the interval, so a fleet started at once does not report in one burst. 0 reports
    /// exactly one interval after start.
    /// </summary>
    public double TelemetryJitter { get; init; } = 1;

    /// <summary>
    /// The first telemetry sequence number: the last one used plus one, for a device that keeps it across restarts
    /// (see <see cref="HiDeviceClient.TelemetrySequence"/>). Without it, a restarted device starts at 1 and, when the
    /// server already holds those numbers, continues after the server's last one.
    /// </summary>
    public long FirstTelemetrySequence { get; init; } = 1;

    /// <summary>
    /// Offloads sent together in one batch request (<c>POST /api/v1/offloads/batch</c>), for a gateway fronting many
    /// sensors; 1 (the default) sends each on its own. Each sample still has its own result, retries and buffering.
    /// </summary>
    public int OffloadBatchSize { get; init; } = 1;

    /// <summary>How long the first offload of a batch waits for others before the batch is sent anyway.</summary>
    public TimeSpan OffloadBatchDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Also hold a long-poll open for configuration changes (otherwise they are learnt from each response).</summary>
    public bool LongPollConfiguration { get; init; }

    internal void Validate()
    {
        ValidateServer(ServerUri, nameof(ServerUri));
        ArgumentNullException.ThrowIfNull(FallbackUris);
        foreach (var fallback in FallbackUris)
            ValidateServer(fallback, nameof(FallbackUris));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FailbackAfter, TimeSpan.Zero);
        if (string.IsNullOrWhiteSpace(DeviceKey))
            throw new ArgumentException($"{nameof(DeviceKey)} is required.", nameof(DeviceKey));
        ArgumentOutOfRangeException.ThrowIfNegative(OfflineBufferCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(FirstTelemetrySequence, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryBaseDelay);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialTelemetryInterval, TimeSpan.Zero);
        if (!(TelemetryJitter is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(TelemetryJitter), TelemetryJitter, "must be between 0 and 1");
        ArgumentOutOfRangeException.ThrowIfLessThan(OffloadBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(OffloadBatchDelay, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(Profile);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    private static void ValidateServer(Uri? server, string name)
    {
        ArgumentNullException.ThrowIfNull(server, name);
        if (!server.IsAbsoluteUri || server.Scheme is not ("http" or "https"))
            throw new ArgumentException($"{name} must hold absolute http(s) URIs; '{server}' is not.", name);
    }
}
