using System.Diagnostics;
using HiPortal.Core.Inference;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Inference;

/// <summary>
/// Owns the large model's ONNX Runtime session: loads it once in the background (so liveness answers at once),
/// warms every batch size the batcher can form, then reports ready.
/// </summary>
public sealed class ModelHost(IOptions<InferenceOptions> options, IOptions<BatchingOptions> batching, ILogger<ModelHost> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OnnxClassifier? _classifier;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>The configured model's name, known before it has loaded.</summary>
    public string ModelName => options.Value.Model;

    public Task WhenReady => _ready.Task;

    public ModelCard Card { get; private set; } = null!;

    public OnnxClassifier Classifier => _classifier ?? throw new InvalidOperationException("model not loaded yet");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            var o = options.Value;
            Card = ModelCard.LoadNamed(o.Model, o.ModelsDirectory);
            var path = Card.OnnxPath(o.ModelsDirectory);
            var sha = ModelCard.ComputeSha256(path);
            if (sha != Card.Sha256)
            {
                throw new InvalidDataException($"{path}: sha256 {sha} does not match its card");
            }

            var started = Stopwatch.GetTimestamp();
            _classifier = OnnxClassifier.Load(path, o.Provider, o.CudaDeviceId, o.IntraOpThreads, o.AllowSpinning);
            Warm(_classifier, batching.Value.MaxBatchSize);
            logger.LogInformation("Model {Model} {Version} loaded on {Provider} and warmed for batches up to {Max} in {Ms:0} ms",
                Card.Name, Card.Version, o.Provider, batching.Value.MaxBatchSize, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "The inference model could not be loaded; the server stays not ready");
            _ready.TrySetException(ex);
        }
    }, stoppingToken);

    private static void Warm(OnnxClassifier classifier, int maxBatch)
    {
        var input = GC.AllocateArray<float>(maxBatch * OnnxClassifier.InputLength, pinned: true);
        var output = GC.AllocateArray<float>(maxBatch * OnnxClassifier.ClassCount, pinned: true);
        for (var batch = 1; batch <= maxBatch; batch++)
        {
            classifier.Run(input, batch, output);
        }
    }

    public override void Dispose()
    {
        _classifier?.Dispose();
        base.Dispose();
    }
}
