using System.Diagnostics;
using HiPortal.Core.Codec;
using HiPortal.Core.Data;
using HiPortal.Core.Evaluation;
using HiPortal.Core.Inference;
using Spectre.Console;

namespace HiPortal.Cli.Common;

/// <summary>
/// A tiny and a large ONNX model, each checked against its card and the two checked as a pair (same sample, same
/// classes), run over labelled samples. Each model decodes the samples with its own card's preprocessing.
/// </summary>
public sealed class ModelPair : IDisposable
{
    public const string DefaultTiny = "fashion-tiny";
    public const string DefaultLarge = "fashion-large";

    private ModelPair(string tinyDirectory, OnnxClassifier tiny, OnnxClassifier large)
    {
        TinyDirectory = tinyDirectory;
        Tiny = tiny;
        Large = large;
    }

    /// <summary>The tiny model's version directory, for SDK clients that load their own copy.</summary>
    public string TinyDirectory { get; }

    public ModelCard TinyCard => Tiny.Card;

    public ModelCard LargeCard => Large.Card;

    public OnnxClassifier Tiny { get; }

    public OnnxClassifier Large { get; }

    /// <param name="repository">A repository directory ({name}/{version}/…); null = the committed models.</param>
    /// <param name="tiny">name[@version] in the repository, or a version directory.</param>
    public static ModelPair Load(string? repository, string tiny = DefaultTiny, string large = DefaultLarge)
    {
        var tinyDirectory = ModelLocator.Resolve(tiny, repository);
        var largeDirectory = ModelLocator.Resolve(large, repository);
        var tinyCard = ModelLocator.LoadVerified(tinyDirectory);
        var largeCard = ModelLocator.LoadVerified(largeDirectory);
        if (ModelSignature.PairMismatch(ModelSignature.Create(tinyCard), ModelSignature.Create(largeCard)) is { } mismatch)
            throw new InvalidDataException($"{tinyCard.Reference} and {largeCard.Reference} are not a pair: {mismatch}");

        var tinyModel = Open(tinyDirectory, tinyCard);
        try
        {
            return new ModelPair(tinyDirectory, tinyModel, Open(largeDirectory, largeCard));
        }
        catch
        {
            tinyModel.Dispose();
            throw;
        }
    }

    /// <summary>Samples the pair cannot run (wrong element count or datatype) are refused before any inference.</summary>
    public void EnsureFits(LabelledSamples samples, string what)
    {
        if (samples.MismatchWith(Tiny.Signature) is { } problem)
            throw new InvalidDataException($"{what}: {problem}");
    }

    /// <summary>Runs both models over each split, with one progress bar per model and split.</summary>
    public IReadOnlyList<(ModelOutputs Tiny, ModelOutputs Large)> RunWithProgress(params (string Name, LabelledSamples Samples)[] splits)
    {
        var results = new (ModelOutputs, ModelOutputs)[splits.Length];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                for (var s = 0; s < splits.Length; s++)
                {
                    var (name, samples) = splits[s];
                    var tinyTask = ctx.AddTask($"tiny  on {name} ({samples.Count:N0})", maxValue: samples.Count);
                    var largeTask = ctx.AddTask($"large on {name} ({samples.Count:N0})", maxValue: samples.Count);
                    var tiny = Tiny.RunAll(ToFloats(samples, Tiny.Signature), progress: n => tinyTask.Increment(n));
                    var large = Large.RunAll(ToFloats(samples, Large.Signature), progress: n => largeTask.Increment(n));
                    results[s] = (ModelOutputs.FromScores(tiny, samples.Labels, Tiny.Signature),
                        ModelOutputs.FromScores(large, samples.Labels, Large.Signature));
                }
            });
        return results;
    }

    /// <summary>Median seconds of one large-model inference at batch 1 on this machine (costs the latency model).</summary>
    public double MeasureLargeBatchOneSeconds(LabelledSamples samples, int runs = 200)
    {
        var decoder = new SampleDecoder(Large.Signature);
        var input = GC.AllocateArray<float>(Large.Signature.SampleLength, pinned: true);
        var output = GC.AllocateArray<float>(Large.Signature.ClassCount, pinned: true);
        var times = new double[runs];
        for (var i = 0; i < runs + 20; i++)
        {
            decoder.Decode(samples.Datatype.Name(), samples.Sample(i % samples.Count), input);

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

    /// <summary>The model's FP32 input for every sample, decoded as the server would decode it.</summary>
    public static float[] ToFloats(LabelledSamples samples, ModelSignature signature)
    {
        var decoder = new SampleDecoder(signature);
        var length = signature.SampleLength;
        var inputs = new float[samples.Count * length];
        for (var i = 0; i < samples.Count; i++)
        {
            decoder.Decode(samples.Datatype.Name(), samples.Sample(i), inputs.AsSpan(i * length, length));
        }

        return inputs;
    }

    public void Dispose()
    {
        Tiny.Dispose();
        Large.Dispose();
    }

    private static OnnxClassifier Open(string directory, ModelCard card)
    {
        try
        {
            return OnnxClassifier.Load(ModelLayout.OnnxPath(directory), card);
        }
        catch (ModelCardException ex)
        {
            throw new InvalidDataException($"{card.Reference}: {ex.Message}", ex);
        }
    }
}
