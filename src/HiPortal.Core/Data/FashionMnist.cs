using System.Buffers.Binary;
using System.IO.Compression;

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

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static LabelledImages Load(FashionMnistSplit split, string? directory = null)
    {
        directory ??= DefaultDirectory;
        var prefix = split == FashionMnistSplit.Test ? "t10k" : "train";
        var images = ReadIdx(Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz"), expectedDims: 3);
        var labels = ReadIdx(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), expectedDims: 1);
        if (images.Length / LabelledImages.PixelsPerImage != labels.Length)
        {
            throw new InvalidDataException($"{prefix}: {images.Length / LabelledImages.PixelsPerImage} images but {labels.Length} labels");
        }

        return split switch
        {
            FashionMnistSplit.Train => Slice(images, labels, 0, TrainCount),
            FashionMnistSplit.Calibration => Slice(images, labels, TrainCount, labels.Length - TrainCount),
            _ => new LabelledImages(images, labels),
        };
    }

    private static LabelledImages Slice(byte[] images, byte[] labels, int start, int count) =>
        new(images.AsSpan(start * LabelledImages.PixelsPerImage, count * LabelledImages.PixelsPerImage).ToArray(),
            labels.AsSpan(start, count).ToArray());

    private static byte[] ReadIdx(string path, int expectedDims)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Fashion-MNIST file not found: {path} (install Debian's dataset-fashion-mnist or pass --data DIR)", path);
        }

        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        var data = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var magic = BinaryPrimitives.ReadInt32BigEndian(data);
        var dims = magic & 0xFF;
        if ((magic >> 8) != 0x08 || dims != expectedDims)
        {
            throw new InvalidDataException($"{path}: not an IDX uint8 file with {expectedDims} dimensions");
        }

        var count = 1;
        for (var i = 0; i < dims; i++)
        {
            count *= BinaryPrimitives.ReadInt32BigEndian(data[(4 + 4 * i)..]);
        }

        var offset = 4 + 4 * dims;
        if (data.Length - offset != count)
        {
            throw new InvalidDataException($"{path}: header says {count} bytes, file has {data.Length - offset}");
        }

        return data.Slice(offset, count).ToArray();
    }
}
