using HiPortal.Core.Data;
using HiPortal.Core.Evaluation;
using HiPortal.Core.Inference;

namespace HiPortal.Cli.Tests;

/// <summary>
/// The committed models (as copied beside the binaries) run once, at batch 64, over the calibration and test
/// splits of Fashion-MNIST; shared by every test class in <see cref="RealModelsCollection"/>.
/// </summary>
public sealed class RealModelsFixture : IDisposable
{
    public const int BatchSize = 64;

    /// <summary>The β of the online acceptance criteria.</summary>
    public const double OnlineBeta = 0.3;

    private readonly Dictionary<int, OnlineReport> _online = [];

    public RealModelsFixture()
    {
        TinyCard = ModelCard.LoadNamed("fashion-tiny");
        LargeCard = ModelCard.LoadNamed("fashion-large");
        Tiny = OnnxClassifier.Load(TinyCard.OnnxPath());
        Large = OnnxClassifier.Load(LargeCard.OnnxPath());
        Calibration = FashionMnist.Load(FashionMnistSplit.Calibration);
        Test = FashionMnist.Load(FashionMnistSplit.Test);

        var calibrationInputs = ToModelInput(Calibration);
        var testInputs = ToModelInput(Test);
        TinyCalibrationLogits = Tiny.RunAll(calibrationInputs, BatchSize);
        LargeCalibrationLogits = Large.RunAll(calibrationInputs, BatchSize);
        TinyTestLogits = Tiny.RunAll(testInputs, BatchSize);
        LargeTestLogits = Large.RunAll(testInputs, BatchSize);

        TinyCalibration = ModelOutputs.FromLogits(TinyCalibrationLogits, Calibration.Labels, FashionMnist.ClassNames.Count);
        LargeCalibration = ModelOutputs.FromLogits(LargeCalibrationLogits, Calibration.Labels, FashionMnist.ClassNames.Count);
        TinyTest = ModelOutputs.FromLogits(TinyTestLogits, Test.Labels, FashionMnist.ClassNames.Count);
        LargeTest = ModelOutputs.FromLogits(LargeTestLogits, Test.Labels, FashionMnist.ClassNames.Count);
    }

    public ModelCard TinyCard { get; }

    public ModelCard LargeCard { get; }

    public OnnxClassifier Tiny { get; }

    public OnnxClassifier Large { get; }

    public LabelledSamples Calibration { get; }

    public LabelledSamples Test { get; }

    public float[] TinyCalibrationLogits { get; }

    public float[] LargeCalibrationLogits { get; }

    public float[] TinyTestLogits { get; }

    public float[] LargeTestLogits { get; }

    public ModelOutputs TinyCalibration { get; }

    public ModelOutputs LargeCalibration { get; }

    public ModelOutputs TinyTest { get; }

    public ModelOutputs LargeTest { get; }

    /// <summary>HIL-F and HIL-N streamed over the shuffled test set at <see cref="OnlineBeta"/>, once per seed.</summary>
    public OnlineReport Online(int seed)
    {
        lock (_online)
        {
            if (!_online.TryGetValue(seed, out var report))
            {
                report = OnlineEvaluation.Run(TinyTest, LargeTest, OnlineBeta, seed);
                _online.Add(seed, report);
            }

            return report;
        }
    }

    public ModelCard Card(string model) => model == "fashion-tiny" ? TinyCard : LargeCard;

    public OnnxClassifier Classifier(string model) => model == "fashion-tiny" ? Tiny : Large;

    public LabelledSamples Images(FashionMnistSplit split) => split == FashionMnistSplit.Test ? Test : Calibration;

    public float[] Logits(string model, FashionMnistSplit split) => (model, split) switch
    {
        ("fashion-tiny", FashionMnistSplit.Test) => TinyTestLogits,
        ("fashion-large", FashionMnistSplit.Test) => LargeTestLogits,
        ("fashion-tiny", FashionMnistSplit.Calibration) => TinyCalibrationLogits,
        ("fashion-large", FashionMnistSplit.Calibration) => LargeCalibrationLogits,
        _ => throw new ArgumentException($"no logits for {model} on {split}"),
    };

    /// <summary>The card's preprocessing, "uint8 pixel / 255", written out here rather than borrowed from the CLI.</summary>
    public static float[] ToModelInput(LabelledSamples images, int count = int.MaxValue)
    {
        count = Math.Min(count, images.Count);
        var input = new float[count * FashionMnist.PixelsPerImage];
        for (var i = 0; i < count; i++)
        {
            var image = images.Sample(i);
            for (var p = 0; p < image.Length; p++)
            {
                input[(i * FashionMnist.PixelsPerImage) + p] = image[p] / 255f;
            }
        }

        return input;
    }

    /// <summary>The index of the largest logit of each sample (first one on ties, as torch.argmax).</summary>
    public static int[] ArgMax(ReadOnlySpan<float> logits)
    {
        var predictions = new int[logits.Length / FashionMnist.ClassNames.Count];
        for (var i = 0; i < predictions.Length; i++)
        {
            var row = logits.Slice(i * FashionMnist.ClassNames.Count, FashionMnist.ClassNames.Count);
            var best = 0;
            for (var c = 1; c < row.Length; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            predictions[i] = best;
        }

        return predictions;
    }

    /// <summary>Fraction of the first <c>predictions.Length</c> labels that the predictions match.</summary>
    public static double Accuracy(int[] predictions, ReadOnlySpan<byte> labels)
    {
        var correct = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            correct += predictions[i] == labels[i] ? 1 : 0;
        }

        return (double)correct / predictions.Length;
    }

    public void Dispose()
    {
        Tiny.Dispose();
        Large.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RealModelsCollection : ICollectionFixture<RealModelsFixture>
{
    public const string Name = "Real models on Fashion-MNIST";
}
