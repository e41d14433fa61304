using HiPortal.Core.Inference;

namespace HiPortal.Core.Data;

/// <summary>Which part of Fashion-MNIST to read. The split points match models/train.py.</summary>
public enum FashionMnistSplit
{
    /// <summary>Training file images 0..54,999: the only images the models were trained on.</summary>
    Train,
    /// <summary>Training file images 55,000..59,999: held out for choosing thresholds.</summary>
    Calibration,
    /// <summary>The t10k file: reported, never used to choose anything.</summary>
    Test,
}

/// <summary>Reads the gzipped IDX files of Fashion-MNIST (as Debian's dataset-fashion-mnist installs them).</summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const int TrainCount = 55_000;

    /// <summary>28 × 28 grey pixels: the one place the Fashion-MNIST shape is spelled out.</summary>
    public const int PixelsPerImage = 28 * 28;

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Whether <paramref name="directory"/> holds the four Fashion-MNIST files.</summary>
    public static bool IsFashionMnistDirectory(string directory) =>
        Directory.Exists(directory) && File.Exists(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"));

    public static LabelledSamples Load(FashionMnistSplit split, string? directory = null)
    {
        directory ??= DefaultDirectory;
        var prefix = split == FashionMnistSplit.Test ? "t10k" : "train";
        var images = ReadIdx(Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz"), expectedDims: 3);
        var labels = ReadIdx(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), expectedDims: 1);
        if (images.Length / PixelsPerImage != labels.Length)
        {
            throw new InvalidDataException($"{prefix}: {images.Length / PixelsPerImage} images but {labels.Length} labels");
        }

        var all = new LabelledSamples(SampleDatatype.Uint8, PixelsPerImage, images, labels);
        return split switch
        {
            FashionMnistSplit.Train => all.Take(TrainCount),
            FashionMnistSplit.Calibration => all.Slice(TrainCount, all.Count - TrainCount),
            _ => all,
        };
    }

    private static byte[] ReadIdx(string path, int expectedDims)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Fashion-MNIST file not found: {path} (install Debian's dataset-fashion-mnist or pass --data DIR)", path);
        }

        var array = Idx.Read(path);
        if (array.Type != ElementType.UInt8 || array.Shape.Count != expectedDims ||
            (expectedDims == 3 && array.Shape[1] * array.Shape[2] != PixelsPerImage))
        {
            throw new InvalidDataException($"{path}: not an IDX uint8 file with {expectedDims} dimensions of Fashion-MNIST's shape");
        }

        return array.Data;
    }
}
