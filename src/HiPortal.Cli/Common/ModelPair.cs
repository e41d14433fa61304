using System.Diagnostics;
using HiPortal.Core.Codec;
using HiPortal.Core.Data;
using HiPortal.Core.Evaluation;
using HiPortal.Core.Inference;
using Spectre.Console;

namespace HiPortal.Cli.Common;

/// <summary>The tiny and large ONNX models, checked against their cards, run over labelled images.</summary>
public sealed class ModelPair : IDisposable
{
    private ModelPair(ModelCard tinyCard, ModelCard largeCard, OnnxClassifier tiny, OnnxClassifier large)
    {
        TinyCard = tinyCard;
        LargeCard = largeCard;
        Tiny = tiny;
        Large = large;
    }

    public ModelCard TinyCard { get; }

    public ModelCard LargeCard { get; }

    public OnnxClassifier Tiny { get; }

    public OnnxClassifier Large { get; }

    public static ModelPair Load(string? directory)
    {
        var tinyCard = ModelCard.LoadNamed("fashion-tiny", directory);
        var largeCard = ModelCard.LoadNamed("fashion-large", directory);
        foreach (var card in new[] { tinyCard, largeCard })
        {
            var actual = ModelCard.ComputeSha256(card.OnnxPath(directory));
            if (actual != card.Sha256)
            {
                throw new InvalidDataException($"{card.Reference}: sha256 {actual} does not match its card ({card.Sha256})");
            }
        }

        return new ModelPair(tinyCard, largeCard,
            OnnxClassifier.Load(tinyCard.OnnxPath(directory)), OnnxClassifier.Load(largeCard.OnnxPath(directory)));
    }

    /// <summary>Runs both models over each split, with one progress bar per model and split.</summary>
    public IReadOnlyList<(ModelOutputs Tiny, ModelOutputs Large)> RunWithProgress(params (string Name, LabelledImages Images)[] splits)
    {
        var results = new (ModelOutputs, ModelOutputs)[splits.Length];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                for (var s = 0; s < splits.Length; s++)
                {
                    var (name, images) = splits[s];
                    var inputs = ToFloats(images);
                    var tinyTask = ctx.AddTask($"tiny  on {name} ({images.Count:N0})", maxValue: images.Count);
                    var largeTask = ctx.AddTask($"large on {name} ({images.Count:N0})", maxValue: images.Count);
                    var tiny = Tiny.RunAll(inputs, progress: n => tinyTask.Increment(n));
                    var large = Large.RunAll(inputs, progress: n => largeTask.Increment(n));
                    results[s] = (ModelOutputs.FromLogits(tiny, images.Labels), ModelOutputs.FromLogits(large, images.Labels));
                }
            });
        return results;
    }

    /// <summary>Median seconds of one large-model inference at batch 1 on this machine (costs the latency model).</summary>
    public double MeasureLargeBatchOneSeconds(LabelledImages images, int runs = 200)
    {
        var input = GC.AllocateArray<float>(OnnxClassifier.InputLength, pinned: true);
        var output = GC.AllocateArray<float>(OnnxClassifier.ClassCount, pinned: true);
        var times = new double[runs];
        for (var i = 0; i < runs + 20; i++)
        {
            SampleCodec.DecodeUint8(images.Image(i % images.Count), input);

            var start = Stopwatch.GetTimestamp();
            Large.Run(input, 1, output);
            if (i >= 20)
            {
                times[i - 20] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }

        Array.Sort(times);
        return times[runs / 2];
    }

    public static float[] ToFloats(LabelledImages images)
    {
        var inputs = new float[images.Count * OnnxClassifier.InputLength];
        for (var i = 0; i < images.Count; i++)
        {
            SampleCodec.DecodeUint8(images.Image(i), inputs.AsSpan(i * OnnxClassifier.InputLength, OnnxClassifier.InputLength));
        }

        return inputs;
    }

    public void Dispose()
    {
        Tiny.Dispose();
        Large.Dispose();
    }
}
