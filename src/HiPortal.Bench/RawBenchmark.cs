using System.Diagnostics;
using HiPortal.Core.Codec;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;

namespace HiPortal.Bench;

public sealed record RawResult(string Model, int BatchSize, double SamplesPerSecond, double MillisecondsPerBatch, double CpuMsPerSample);

/// <summary>(a) The large model alone: ONNX Runtime throughput at fixed batch sizes, no server in the way.</summary>
public static class RawBenchmark
{
    public static List<RawResult> Run(OnnxClassifier model, LabelledSamples samples, IReadOnlyList<int> batchSizes, TimeSpan duration)
    {
        var results = new List<RawResult>();
        var max = batchSizes.Max();
        var (length, classes) = (model.Signature.SampleLength, model.Signature.ClassCount);
        var decoder = new SampleDecoder(model.Signature);
        var input = GC.AllocateArray<float>(max * length, pinned: true);
        var output = GC.AllocateArray<float>(max * classes, pinned: true);
        for (var i = 0; i < max; i++)
        {
            decoder.Decode(samples.Datatype.Name(), samples.Sample(i % samples.Count), input.AsSpan(i * length, length));
        }

        foreach (var batch in batchSizes)
        {
            for (var w = 0; w < 20; w++)
            {
                model.Run(input, batch, output);
            }

            var runs = 0;
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                model.Run(input, batch, output);
                runs++;
            }

            var seconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / (runs * batch);
            results.Add(new RawResult(model.Card.Reference, batch, runs * batch / seconds, seconds * 1000 / runs, cpu));
        }

        return results;
    }
}
