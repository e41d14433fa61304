using System.Diagnostics;
using HiPortal.Core.Codec;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;

namespace HiPortal.Bench;

/// <summary>
/// One raw measurement; <see cref="Executions"/> runs of the session were in flight at once, each on its own thread.
/// With several reads of the same configuration (<see cref="RawBenchmark.Median"/>) it is the median read, and
/// <see cref="Reads"/> holds every read's samples/s in the order taken.
/// </summary>
public sealed record RawResult(string Model, int BatchSize, double SamplesPerSecond, double MillisecondsPerBatch, double CpuMsPerSample,
    int Executions = 1, IReadOnlyList<double>? Reads = null);

/// <summary>(a) The large model alone: ONNX Runtime throughput at fixed batch sizes, no server in the way.</summary>
public static class RawBenchmark
{
    /// <summary>The batch sizes every raw sweep measures.</summary>
    public static readonly int[] BatchSizes = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>How long each batch size of a sweep is measured (after 20 unmeasured runs).</summary>
    public static readonly TimeSpan ReadDuration = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// <paramref name="executions"/> threads run the model at once, each with its own buffers, as the server's
    /// <c>Batching:Instances</c> workers do; so raw gets the same configuration the server may use, and served/raw is
    /// the server's overhead, not a threading setting the raw loop lacked.
    /// </summary>
    public static List<RawResult> Run(OnnxClassifier model, LabelledSamples samples, IReadOnlyList<int> batchSizes, TimeSpan duration,
        int executions = 1)
    {
        var results = new List<RawResult>();
        var max = batchSizes.Max();
        var (length, classes) = (model.Signature.SampleLength, model.Signature.ClassCount);
        var decoder = new SampleDecoder(model.Signature);
        var inputs = new float[executions][];
        var outputs = new float[executions][];
        for (var e = 0; e < executions; e++)
        {
            inputs[e] = GC.AllocateArray<float>(max * length, pinned: true);
            outputs[e] = GC.AllocateArray<float>(max * classes, pinned: true);
            for (var i = 0; i < max; i++)
            {
                decoder.Decode(samples.Datatype.Name(), samples.Sample(((e * max) + i) % samples.Count), inputs[e].AsSpan(i * length, length));
            }
        }

        foreach (var batch in batchSizes)
        {
            for (var w = 0; w < 20; w++)
            {
                model.Run(inputs[0], batch, outputs[0]);
            }

            var runs = new int[executions];
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var threads = Enumerable.Range(0, executions).Select(e => new Thread(() =>
            {
                while (clock.Elapsed < duration)
                {
                    model.Run(inputs[e], batch, outputs[e]);
                    runs[e]++;
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            var seconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            var total = runs.Sum();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / (total * batch);
            results.Add(new RawResult(model.Card.Reference, batch, total * batch / seconds, seconds * 1000 * executions / total, cpu, executions));
        }

        return results;
    }

    /// <summary>
    /// One result per (model, executions, batch size) from several sweeps: the read with the median samples/s (the
    /// lower middle one of an even count), carrying every read. A single 1.5 s read on this machine moves by several
    /// per cent from one sweep to the next, so the best of many single reads (what served/raw is judged against) would
    /// pick the luckiest one; the median of each configuration does not.
    /// </summary>
    public static List<RawResult> Median(IEnumerable<RawResult> reads) =>
        reads.GroupBy(r => (r.Model, r.Executions, r.BatchSize))
            .Select(g =>
            {
                var all = g.ToList();
                var middle = all.OrderBy(r => r.SamplesPerSecond).ElementAt((all.Count - 1) / 2);
                return middle with { Reads = all.Select(r => r.SamplesPerSecond).ToList() };
            })
            .ToList();
}
