using System.Buffers;
using HiPortal.Core.Codec;
using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;

namespace HiPortal.DeviceSdk.Local;

/// <summary>The tiny model's answer for one sample.</summary>
internal readonly record struct LocalPrediction(int Class, float Confidence, bool Offload, TimeSpan Elapsed);

/// <summary>
/// Runs the tiny model on one raw sample (its card's datatype and shape) and applies the offload rule to its
/// probabilities. The model can be replaced while samples run (<see cref="Switch"/>): each sample reads the current
/// one once, and a replaced model is disposed only with the client, so no sample ever runs on a disposed session.
/// </summary>
internal sealed class LocalModel(TimeProvider time) : IDisposable
{
    private readonly List<(OnnxClassifier Classifier, bool Owned)> _loaded = [];
    private volatile Running _current = null!;

    /// <summary>The card of the model in use.</summary>
    public ModelCard Card => _current.Classifier.Card;

    public ModelSignature Signature => _current.Classifier.Signature;

    public static LocalModel Load(HiDeviceOptions options)
    {
        var model = new LocalModel(options.TimeProvider);
        if (options.Model is { } shared)
        {
            model.Switch(shared, owned: false);
            return model;
        }

        var path = options.ModelPath ?? ModelLayout.OnnxPath(ModelLocator.Resolve(options.TinyModel, options.ModelRepository));
        model.Switch(Open(path, ModelCard.Load(ModelLayout.CardPath(Path.GetDirectoryName(Path.GetFullPath(path))!))), owned: true);
        return model;
    }

    /// <summary>One thread, no spinning: a device has a small CPU, and a simulator runs many devices side by side.</summary>
    public static OnnxClassifier Open(string onnxPath, ModelCard card) =>
        OnnxClassifier.Load(onnxPath, card, intraOpThreads: 1, allowSpinning: false);

    /// <summary>Makes <paramref name="classifier"/> the model every following sample runs on.</summary>
    public void Switch(OnnxClassifier classifier, bool owned)
    {
        lock (_loaded)
            _loaded.Add((classifier, owned));
        _current = new Running(classifier, new SampleDecoder(classifier.Signature));
    }

    public LocalPrediction Predict(ReadOnlySpan<byte> sample, IOffloadRule rule)
    {
        var (classifier, decoder) = _current;
        var signature = classifier.Signature;
        if (sample.Length != signature.SampleBytes)
        {
            throw new ArgumentException(
                $"A sample of {classifier.Card.Reference} is {signature.SampleBytes} bytes ({signature.Datatype.Name()} [{string.Join(",", signature.SampleShape)}]); got {sample.Length}.",
                nameof(sample));
        }

        var input = ArrayPool<float>.Shared.Rent(signature.SampleLength);
        var scores = ArrayPool<float>.Shared.Rent(signature.ClassCount);
        var probabilities = ArrayPool<float>.Shared.Rent(signature.ClassCount);
        try
        {
            var started = time.GetTimestamp();
            decoder.Decode(null, sample, input);
            classifier.Run(input.AsMemory(0, signature.SampleLength), 1, scores.AsMemory(0, signature.ClassCount));
            var p = probabilities.AsSpan(0, signature.ClassCount);
            Scores.ToProbabilities(signature, scores, p);
            var elapsed = time.GetElapsedTime(started);
            var top = Probabilities.Top2(p);
            return new LocalPrediction(top.Class, top.P1, rule.ShouldOffload(p), elapsed);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(scores);
            ArrayPool<float>.Shared.Return(probabilities);
        }
    }

    public void Dispose()
    {
        lock (_loaded)
        {
            foreach (var (classifier, owned) in _loaded)
            {
                if (owned)
                    classifier.Dispose();
            }

            _loaded.Clear();
        }
    }

    private sealed record Running(OnnxClassifier Classifier, SampleDecoder Decoder);
}
