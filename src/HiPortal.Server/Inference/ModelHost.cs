using System.Collections.Concurrent;
using System.Diagnostics;
using HiPortal.Core.Inference;
using HiPortal.Server.Fleets;
using HiPortal.Server.Ingest;
using HiPortal.Server.Models;
using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Inference;

/// <summary>
/// The registry of served models. At start it seeds the repository, loads and warms every model some fleet names as
/// large (and the default), then reports ready. Later models load on demand (a fleet names one, an OIP call asks for
/// one). Each fleet's offloads are routed to its large model; a hot swap loads the new version first, moves the route,
/// then drains and unloads the old one once no fleet uses it.
/// </summary>
public sealed class ModelHost(
    ModelRepository repository,
    FleetSettingsCache fleets,
    IOptions<ModelsOptions> models,
    IOptions<InferenceOptions> inference,
    IOptionsMonitor<BatchingOptions> batching,
    IDbContextFactory<HiPortalDb> dbFactory,
    DecisionWriter writer,
    HiPortalMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger<ModelHost> logger,
    IBatchGate? gate = null) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, Lazy<Task<ServedModel>>> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServedModel> _routes = new(StringComparer.Ordinal);
    private readonly Lock _routing = new();
    private volatile bool _stopping;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WhenReady => _ready.Task;

    /// <summary>The default large model's name, known before anything has loaded.</summary>
    public string ModelName => ModelReference.TryParse(models.Value.DefaultLarge, out var r) ? r.Name : models.Value.DefaultLarge;

    /// <summary>Raised when any served model's queue accepts a request, with the depth it made.</summary>
    public event Action<int>? Enqueued;

    /// <summary>Requests waiting across every served model.</summary>
    public int QueueDepth => Served.Sum(m => m.Queue.Depth);

    /// <summary>Every model loaded and serving now.</summary>
    public IEnumerable<ServedModel> Served => _loaded.Values
        .Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(l => l.Value.Result).Where(m => !m.IsRetired);

    public bool IsLoaded(string name, string version) => Served.Any(m => m.Name == name && m.Version == version);

    /// <summary>The served model answering <paramref name="fleet"/>'s offloads, loading it if needed.</summary>
    public async ValueTask<ServedModel> LargeForAsync(string fleet, CancellationToken cancellationToken)
    {
        if (_routes.TryGetValue(fleet, out var routed))
        {
            return routed;
        }

        var row = await fleets.GetAsync(fleet, cancellationToken) ?? throw new InvalidOperationException($"no fleet '{fleet}'");
        var reference = Parse(row.LargeModel);
        var served = await LoadAsync(reference.Name, reference.Version!);
        lock (_routing)
        {
            return _routes.GetOrAdd(fleet, served);
        }
    }

    /// <summary>
    /// Queues a request decoded for <paramref name="decodedFor"/>. When a hot swap retired that model in the meantime
    /// the request goes to the fleet's new one instead (if it takes the same input), so a swap fails no request.
    /// </summary>
    public async ValueTask<(EnqueueResult Result, ServedModel Model)> EnqueueAsync(string? fleet, ServedModel decodedFor,
        InferenceRequest request, CancellationToken cancellationToken)
    {
        var target = decodedFor;
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var result = target.Queue.TryEnqueue(request);
            if (result != EnqueueResult.Closed || fleet is null || _stopping)
            {
                return (result, target);
            }

            var next = await LargeForAsync(fleet, cancellationToken);
            if (!decodedFor.SameInput(next))
            {
                return (EnqueueResult.Closed, target);
            }

            target = next;
        }

        return (EnqueueResult.Closed, target);
    }

    /// <summary>Loads and warms <paramref name="name"/>@<paramref name="version"/> once; later callers share the load.</summary>
    public async Task<ServedModel> LoadAsync(string name, string version)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var key = $"{name}@{version}";
        var lazy = _loaded.GetOrAdd(key, _ => new Lazy<Task<ServedModel>>(() => Task.Run(() => Start(name, version))));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<ServedModel>>>(key, lazy));
            throw;
        }
    }

    /// <summary>
    /// Routes <paramref name="fleet"/>'s offloads to <paramref name="name"/>@<paramref name="version"/>: loaded and
    /// warmed first, then the route moves; the old version drains its queue and unloads when no fleet still uses it.
    /// </summary>
    public async Task RouteAsync(string fleet, string name, string version)
    {
        var next = await LoadAsync(name, version);
        ServedModel? previous;
        lock (_routing)
        {
            _routes.TryGetValue(fleet, out previous);
            _routes[fleet] = next;
        }

        if (previous is not null && !ReferenceEquals(previous, next))
        {
            await RetireIfUnusedAsync(previous);
        }
    }

    /// <summary>Drops a fleet's route (it was deleted or renamed) and retires the model if nothing else uses it.</summary>
    public async Task UnrouteAsync(string fleet)
    {
        ServedModel? previous;
        lock (_routing)
        {
            _routes.TryRemove(fleet, out previous);
        }

        if (previous is not null)
        {
            await RetireIfUnusedAsync(previous);
        }
    }

    /// <summary>Unloads a version no fleet routes to (e.g. one loaded for OIP before it is deleted).</summary>
    public async Task<bool> UnloadAsync(string name, string version)
    {
        var served = Served.FirstOrDefault(m => m.Name == name && m.Version == version);
        return served is not null && await RetireIfUnusedAsync(served);
    }

    private async Task<bool> RetireIfUnusedAsync(ServedModel served)
    {
        lock (_routing)
        {
            if (_routes.Values.Any(r => ReferenceEquals(r, served)) || !served.Retire())
            {
                return false;
            }

            if (_loaded.TryGetValue(served.Reference, out var lazy) && lazy.IsValueCreated &&
                lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, served))
            {
                _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<ServedModel>>>(served.Reference, lazy));
            }
        }

        // Its queued requests complete first (they are answered by, and stored as, this version).
        await served.Worker;
        served.Dispose();
        logger.LogInformation("Model {Model} drained and unloaded", served.Reference);
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(async () =>
    {
        metrics.QueueDepth = () => QueueDepth;
        try
        {
            await repository.SeedAsync(stoppingToken);
            await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
            var routes = await db.Fleets.Select(f => new { f.Name, f.LargeModel }).ToListAsync(stoppingToken);
            var wanted = routes.Select(r => r.LargeModel).Append(models.Value.DefaultLarge).Distinct(StringComparer.Ordinal);
            foreach (var text in wanted)
            {
                var reference = Parse(text);
                await LoadAsync(reference.Name, reference.Version!);
            }

            foreach (var route in routes)
            {
                var reference = Parse(route.LargeModel);
                _routes.TryAdd(route.Name, await LoadAsync(reference.Name, reference.Version!));
            }

            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "The inference model could not be loaded; the server stays not ready");
            _ready.TrySetException(ex);
        }
    }, stoppingToken);

    private ServedModel Start(string name, string version)
    {
        if (!repository.Exists(name, version))
        {
            throw new FileNotFoundException($"no model {name}@{version} in the repository {repository.Root}");
        }

        var card = repository.Card(name, version);
        var path = repository.OnnxPath(name, version);
        var sha = ModelCard.ComputeSha256(path);
        if (sha != card.Sha256)
        {
            throw new InvalidDataException($"{path}: sha256 {sha} does not match its card");
        }

        var o = inference.Value;
        var started = Stopwatch.GetTimestamp();
        var options = BatchingFor(name);
        var classifier = OnnxClassifier.Load(path, card, o.Provider, o.CudaDeviceId, o.ThreadsPerExecution(options.Instances), o.AllowSpinning);
        var served = new ServedModel(classifier, options);
        try
        {
            classifier.Warm(Enumerable.Range(1, options.MaxBatchSize));
        }
        catch
        {
            served.Dispose();
            throw;
        }

        served.Queue.Enqueued += depth => Enqueued?.Invoke(depth);
        // Each instance has its own buffers; ONNX Runtime sessions may run concurrently.
        served.Worker = Task.WhenAll(Enumerable.Range(0, options.Instances).Select(_ =>
            Task.Run(new InferenceWorker(served, writer, metrics, time, loggers.CreateLogger<InferenceWorker>(), o.EffectiveExecutionNice, gate).RunAsync)));
        // ServerProcess (HiPortal.Client.Hosting) waits for "Model {name} {version} loaded on {provider} and warmed".
        logger.LogInformation("Model {Model} {Version} loaded on {Provider} and warmed for batches up to {Max} in {Ms:0} ms ({Instances} executions in flight, {Threads} intra-op threads each; 0: ONNX Runtime's default)",
            card.Name, card.Version, o.Provider, options.MaxBatchSize, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            options.Instances, o.ThreadsPerExecution(options.Instances));
        return served;
    }

    /// <summary>The model's own batching (<c>Models:Batching:{name}</c>) or the global one.</summary>
    public BatchingOptions BatchingFor(string name) =>
        models.Value.Batching.TryGetValue(name, out var own) ? own : batching.CurrentValue;

    private static ModelReference Parse(string text) =>
        ModelReference.TryParse(text, out var r) && r.Version is not null
            ? r : throw new InvalidDataException($"'{text}' is not a model reference (name@version)");

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var served = Served.ToList();
        served.ForEach(m => m.Retire());
        // Queued requests still run and are stored; then the decision writer may finish.
        await Task.WhenAll(served.Select(m => m.Worker));
        writer.Complete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        foreach (var lazy in _loaded.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        base.Dispose();
    }
}
