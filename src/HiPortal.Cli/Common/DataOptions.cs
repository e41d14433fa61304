using System.CommandLine;
using HiPortal.Core.Data;

namespace HiPortal.Cli.Common;

/// <summary>
/// The options that say which pair to run and on which labelled data, shared by evaluate and simulate.
/// <c>--data</c> is either a Fashion-MNIST directory (its splits as models/train.py makes them) or a samples file
/// (.npy, .npz or IDX, gzipped or not) for the test split, with <c>--calibration</c> the calibration split's file.
/// </summary>
public sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = "Fashion-MNIST directory (gzipped IDX files), or a test-split samples file: .npy, .npz or IDX",
        DefaultValueFactory = _ => FashionMnist.DefaultDirectory,
    };

    public Option<string?> Labels { get; } = new("--labels") { Description = "Labels file for a --data .npy/IDX file (.npy, .npz or IDX)" };

    public Option<string?> Calibration { get; } = new("--calibration") { Description = "Calibration-split samples file when --data is a file" };

    public Option<string?> CalibrationLabels { get; } = new("--calibration-labels") { Description = "Labels file for a --calibration .npy/IDX file" };

    public Option<string> SamplesArray { get; } = new("--x") { Description = "Samples array name inside .npz files", DefaultValueFactory = _ => "x" };

    public Option<string> LabelsArray { get; } = new("--y") { Description = "Labels array name inside .npz files", DefaultValueFactory = _ => "y" };

    public Option<string?> Models { get; } = new("--models") { Description = "Model repository ({name}/{version}/model.onnx + card.json; default: the committed models)" };

    public Option<string> Tiny { get; } = new("--tiny") { Description = "Tiny model: name[@version] in --models, or a version directory", DefaultValueFactory = _ => ModelPair.DefaultTiny };

    public Option<string> Large { get; } = new("--large") { Description = "Large model: name[@version] in --models, or a version directory", DefaultValueFactory = _ => ModelPair.DefaultLarge };

    public IEnumerable<Option> All(bool withCalibration) =>
        withCalibration
            ? [Data, Labels, Calibration, CalibrationLabels, SamplesArray, LabelsArray, Models, Tiny, Large]
            : [Data, Labels, SamplesArray, LabelsArray, Models, Tiny, Large];

    public DataSelection Read(ParseResult parse) => new(
        parse.GetValue(Data)!, parse.GetValue(Labels), parse.GetValue(Calibration), parse.GetValue(CalibrationLabels),
        parse.GetValue(SamplesArray)!, parse.GetValue(LabelsArray)!, parse.GetValue(Models), parse.GetValue(Tiny)!, parse.GetValue(Large)!);
}

/// <summary>What the data options chose.</summary>
public sealed record DataSelection(string Data, string? Labels, string? Calibration, string? CalibrationLabels,
    string SamplesArray, string LabelsArray, string? Models, string Tiny, string Large)
{
    /// <summary>A path that is no file (and not named .npy/.npz) is a Fashion-MNIST directory, so a missing one is
    /// reported by the file Fashion-MNIST lacks.</summary>
    public bool IsFashionMnist => !File.Exists(Data) &&
        !Data.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) && !Data.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);

    public LabelledSamples LoadTest() => IsFashionMnist
        ? FashionMnist.Load(FashionMnistSplit.Test, Data)
        : LabelledData.Load(new LabelledDataSource(Data, Labels, SamplesArray, LabelsArray));

    public LabelledSamples LoadCalibration()
    {
        if (IsFashionMnist)
            return FashionMnist.Load(FashionMnistSplit.Calibration, Data);
        // Thresholds are chosen on calibration data and reported on test data; one file cannot be both.
        return Calibration is null
            ? throw new ArgumentException("--calibration FILE is required when --data is a file (thresholds are chosen on it)")
            : LabelledData.Load(new LabelledDataSource(Calibration, CalibrationLabels, SamplesArray, LabelsArray));
    }

    public ModelPair LoadPair() => ModelPair.Load(Models, Tiny, Large);
}
