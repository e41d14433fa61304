using System.Security.Cryptography;
using HiPortal.Contracts;
using HiPortal.Core.Inference;
using HiPortal.DeviceSdk.Config;
using HiPortal.DeviceSdk.Local;
using HiPortal.DeviceSdk.Models;
using HiPortal.DeviceSdk.Offload;
using HiPortal.DeviceSdk.Telemetry;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk;

/// <summary>
/// A HiPortal edge device: classifies each sample with the tiny model, keeps confident answers local and offloads
/// the rest to the server's large model, following the fleet's configuration and reporting telemetry.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="ProcessAsync"/> works without <see cref="StartAsync"/> (with the initial rule from the
/// options); <see cref="StartAsync"/> fetches the server's configuration and starts the background telemetry (and
/// optional configuration long-poll). Dispose to stop them and send a last telemetry report.
/// </remarks>
public sealed class HiDeviceClient : IAsyncDisposable
{
    private readonly HiDeviceOptions _options;
    private readonly TimeProvider _time;
    private readonly DeviceCounters _counters = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly LocalModel _model;
    private readonly DeviceHttp _http;
    private readonly Backoff _backoff;
    private readonly ConfigFollower _config;
    private readonly Offloader _offloader;
    private readonly OffloadBatcher? _batcher;
    private readonly TelemetryReporter _telemetry;
    private readonly List<Task> _background = [];
    private readonly ExplorationDraw _exploration = new();
    private readonly string _idPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
    private long _nextId;
    private int _disposed;
    private int _started;

    /// <summary>Creates the device and loads its tiny model; nothing is sent until a sample needs it or <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public HiDeviceClient(HiDeviceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = options.TimeProvider;
        var initial = DeviceConfiguration.Create(0, options.InitialRule, options.InitialThreshold, options.InitialCoefficients,
            options.InitialTelemetryInterval);
        _model = LocalModel.Load(options);
        _http = new DeviceHttp(options, _counters);
        _backoff = new Backoff(options.RetryBaseDelay, options.MaxRetryDelay, new Random());
        var cache = options.ModelCacheDirectory ?? Path.Combine(Path.GetTempPath(), "hiportal-device-models");
        _config = new ConfigFollower(_http, initial, _counters, RaiseConfigurationChanged, _stopping.Token,
            new TinyModelDelivery(_http, _model, cache));
        _batcher = options.OffloadBatchSize > 1
            ? new OffloadBatcher(_http, options.OffloadBatchSize, options.OffloadBatchDelay, _time, _stopping.Token)
            : null;
        var sender = new OffloadSender(_http, _backoff, _time, _counters, _config.Observe, _batcher);
        var buffer = new OfflineBuffer(options.OfflineBufferCapacity);
        _offloader = new Offloader(sender, buffer, new BufferDrainer(buffer, sender, _backoff, _time, _counters), _counters,
            options.MaxRetries, _stopping.Token);
        _telemetry = new TelemetryReporter(_http, _counters, options.Profile, _time, _config.Observe,
            options.FirstTelemetrySequence);
    }

    /// <summary>Raised (on a background thread) when a configuration version was applied or rejected.</summary>
    public event EventHandler<DeviceConfigurationEventArgs>? ConfigurationChanged;

    /// <summary>The configuration in force: its rule decides what is offloaded.</summary>
    public DeviceConfiguration Configuration => _config.Current;

    /// <summary>Offloads waiting in the offline buffer.</summary>
    public int BufferedCount => _offloader.BufferedCount;

    /// <summary>The sequence number of the last telemetry report (0 before the first).</summary>
    public long TelemetrySequence => _telemetry.Sequence;

    /// <summary>The tiny model running now (<c>name@version</c>); it changes when the server delivers another.</summary>
    public string TinyModel => _model.Card.Reference;

    /// <summary>The server requests go to now: <see cref="HiDeviceOptions.ServerUri"/> or, after a failure, a fallback.</summary>
    public Uri Server => _http.Server;

    /// <summary>Counters since the device started.</summary>
    public DeviceStatistics GetStatistics() => _counters.Snapshot();

    /// <summary>Fetches the server's configuration (best effort) and starts background telemetry; once.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
            return;
        await SyncConfigurationAsync(cancellationToken);
        lock (_background)
        {
            _background.Add(_telemetry.RunAsync(() => Configuration.TelemetryInterval, _options.TelemetryJitter, new Random(), _stopping.Token));
            if (_options.LongPollConfiguration)
                _background.Add(ConfigLongPoll.RunAsync(_config, _backoff, _time, _stopping.Token));
        }
    }

    /// <summary>Classifies one sample with the tiny model, offloading it when the rule says so.</summary>
    /// <param name="sample">The raw sample in the tiny model's card datatype (little-endian) and shape, C order.</param>
    /// <param name="label">The true class when known (a labelled stream); sent with offloads for the server's statistics.</param>
    /// <param name="sampleId">The offload's id; default: one unique to this client. Reusing an id for another sample is a conflict.</param>
    /// <param name="cancellationToken">Cancels waiting; the sample may still have reached the server.</param>
    /// <returns>The local answer, and the server's when offloaded and reachable; buffered otherwise.</returns>
    /// <exception cref="HiDeviceException">The server refused the offload for good (conflict, invalid, unauthorised).</exception>
    public async Task<SampleResult> ProcessAsync(ReadOnlyMemory<byte> sample, int? label = null, string? sampleId = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var started = _time.GetTimestamp();
        var configuration = Configuration;
        var local = _model.Predict(sample.Span, configuration.OffloadRule);
        var micros = (long)local.Elapsed.TotalMicroseconds;
        var explored = !local.Offload && _exploration.Explores(configuration.ExplorationRate);
        var offloads = local.Offload || explored;
        _counters.Update(s =>
        {
            s.Samples++;
            s.LocalInferenceMicros += micros;
            if (offloads)
                s.Offloaded++;
            else
                s.DecidedLocally++;
            if (explored)
                s.ExplorationOffloads++;
        });
        var result = new SampleResult
        {
            LocalClass = local.Class,
            LocalConfidence = local.Confidence,
            Offloaded = offloads,
            Explored = explored,
            Status = OffloadStatus.Local,
            Configuration = configuration,
            LocalInferenceTime = local.Elapsed,
            Latency = TimeSpan.Zero,
            Deferred = Task.FromResult<OffloadResponse?>(null),
        };
        if (!offloads)
            return result with { Latency = _time.GetElapsedTime(started) };

        var offload = new PendingOffload(sampleId ?? NextSampleId(), _model.Signature.Datatype.Name(), sample.ToArray(), local.Class, local.Confidence, micros,
            label, _time.GetUtcNow(), explored);
        var offloaded = await _offloader.OffloadAsync(offload, cancellationToken);
        return result with
        {
            SampleId = offload.SampleId,
            Status = offloaded.Answer is null ? OffloadStatus.Buffered : OffloadStatus.Answered,
            Server = offloaded.Answer,
            OffloadRoundTrip = offloaded.Answer is null ? null : offloaded.RoundTrip,
            Attempts = offloaded.Attempts,
            BytesSent = (long)offloaded.Attempts * offload.Bytes,
            Latency = _time.GetElapsedTime(started),
            Deferred = offloaded.Answer is null ? offload.Deferred : Task.FromResult<OffloadResponse?>(offloaded.Answer),
        };
    }

    /// <summary>Fetches the configuration now; true when a new version was applied or rejected.</summary>
    public async Task<bool> SyncConfigurationAsync(CancellationToken cancellationToken = default) =>
        await _config.SyncAsync(cancellationToken) == SyncOutcome.Changed;

    /// <summary>Closes the telemetry period and reports it now; true when the server confirmed it.</summary>
    public Task<bool> FlushTelemetryAsync(CancellationToken cancellationToken = default) => _telemetry.ReportAsync(cancellationToken);

    /// <summary>Stops background work, sends a last telemetry report (best effort) and abandons buffered offloads.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync();
        Task[] background;
        lock (_background)
            background = [.. _background];
        await Task.WhenAll(background);
        if (background.Length > 0)
        {
            try
            {
                await _telemetry.ReportAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Best effort: what is lost shows as a gap at the server.
            }
        }

        if (_batcher is not null)
            await _batcher.StopAsync();
        await _offloader.StopAsync();
        _http.Dispose();
        _model.Dispose();
        _stopping.Dispose();
    }

    private void RaiseConfigurationChanged(DeviceConfigurationEventArgs change)
    {
        try
        {
            ConfigurationChanged?.Invoke(this, change);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A subscriber's failure must not stop the device from following its configuration.
        }
    }

    private string NextSampleId() => $"{_idPrefix}-{Interlocked.Increment(ref _nextId)}";
}
