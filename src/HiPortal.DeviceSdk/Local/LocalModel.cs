using System.Buffers;
using HiPortal.Core.Codec;
using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;

namespace HiPortal.DeviceSdk.Local;

/// <summary>The tiny model's answer for one sample.</summary>
internal readonly record struct LocalPrediction(int Class, float Confidence, bool Offload, TimeSpan Elapsed);

/// <summary>Runs the tiny model on one UINT8 sample and applies the offload rule to its softmax.</summary>
internal sealed class LocalModel(OnnxClassifier classifier, bool owned, TimeProvider time) : IDisposable
{
    public static LocalModel Load(HiDeviceOptions options)
    {
        if (options.Model is { } shared)
            return new LocalModel(shared, owned: false, options.TimeProvider);
        var path = options.ModelPath ?? ModelCard.LoadNamed("fashion-tiny").OnnxPath();
        // One thread, no spinning: a device has a small CPU, and a simulator runs many devices side by side.
        return new LocalModel(OnnxClassifier.Load(path, intraOpThreads: 1, allowSpinning: false), owned: true, options.TimeProvider);
    }

    public LocalPrediction Predict(ReadOnlySpan<byte> pixels, IOffloadRule rule)
    {
        if (pixels.Length != SampleCodec.Uint8Bytes)
            throw new ArgumentException($"A sample is {SampleCodec.Uint8Bytes} bytes (UINT8); got {pixels.Length}.", nameof(pixels));

        var input = ArrayPool<float>.Shared.Rent(OnnxClassifier.InputLength);
        var logits = ArrayPool<float>.Shared.Rent(OnnxClassifier.ClassCount);
        try
        {
            var started = time.GetTimestamp();
            SampleCodec.DecodeUint8(pixels, input);
            classifier.Run(input.AsMemory(0, OnnxClassifier.InputLength), 1, logits.AsMemory(0, OnnxClassifier.ClassCount));
            Span<float> probabilities = stackalloc float[OnnxClassifier.ClassCount];
            Probabilities.Softmax(logits.AsSpan(0, OnnxClassifier.ClassCount), probabilities);
            var elapsed = time.GetElapsedTime(started);
            var top = Probabilities.Top2(probabilities);
            return new LocalPrediction(top.Class, top.P1, rule.ShouldOffload(probabilities), elapsed);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(logits);
        }
    }

    public void Dispose()
    {
        if (owned)
            classifier.Dispose();
    }
}
