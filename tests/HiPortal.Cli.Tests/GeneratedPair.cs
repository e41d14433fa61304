using HiPortal.Core.Inference;
using HiPortal.Testing.Data;
using HiPortal.Testing.Models;

namespace HiPortal.Cli.Tests;

/// <summary>
/// A model repository with a generated pair of another shape and datatype than Fashion-MNIST's (INT16 [N,1,64],
/// 4 classes, as a vibration sensor sends) and labelled .npz/.npy data for it. Labels are the large model's own
/// answers on most samples, so the large model is right there and the tiny one is not always.
/// </summary>
public sealed class GeneratedPair : IDisposable
{
    public const int Length = 64;
    public const int Classes = 4;
    public const int CalibrationCount = 300;
    public const int TestCount = 200;

    private static readonly InputPreprocessing s_scale = new() { Scale = 1.0 / 32768 };

    public GeneratedPair()
    {
        Root = Directory.CreateTempSubdirectory("hiportal-pair-").FullName;
        Repository = Path.Combine(Root, "models");
        Tiny = new OnnxModelBuilder { SampleShape = [1, Length], Classes = Classes, Seed = 3 }.WriteTo(Repository, "sensor-tiny", "1.0.0", "INT16", s_scale);
        var large = new OnnxModelBuilder { SampleShape = [1, Length], Classes = Classes, Seed = 4, Hidden = 32 };
        Large = large.WriteTo(Repository, "sensor-large", "2.0.0", "INT16", s_scale);
        // A model that cannot pair with these: 5 classes.
        new OnnxModelBuilder { SampleShape = [1, Length], Classes = 5, Seed = 5 }.WriteTo(Repository, "other", "1.0.0", "INT16", s_scale);
        // A model of another sample size, for data that does not fit.
        new OnnxModelBuilder { SampleShape = [1, 32], Classes = Classes, Seed = 6 }.WriteTo(Repository, "short-tiny", "1.0.0", "INT16", s_scale);
        new OnnxModelBuilder { SampleShape = [1, 32], Classes = Classes, Seed = 7 }.WriteTo(Repository, "short-large", "1.0.0", "INT16", s_scale);

        using var classifier = OnnxClassifier.Load(Large.OnnxPath(Repository), Large);
        CalibrationNpz = WriteSplit("calibration.npz", CalibrationCount, seed: 11, classifier);
        TestNpz = WriteSplit("test.npz", TestCount, seed: 12, classifier);
        var (x, y) = Split(TestCount, seed: 12, classifier);
        TestSamplesNpy = Path.Combine(Root, "test-x.npy");
        File.WriteAllBytes(TestSamplesNpy, NpyWriter.Npy("<i2", [TestCount, Length], NpyWriter.Int16(x)));
        TestLabelsNpy = Path.Combine(Root, "test-y.npy");
        File.WriteAllBytes(TestLabelsNpy, NpyWriter.Npy("|u1", [TestCount], y));
    }

    public string Root { get; }

    public string Repository { get; }

    public ModelCard Tiny { get; }

    public ModelCard Large { get; }

    public string CalibrationNpz { get; }

    public string TestNpz { get; }

    public string TestSamplesNpy { get; }

    public string TestLabelsNpy { get; }

    public string Out(string name) => Path.Combine(Root, "out-" + name);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private string WriteSplit(string name, int count, int seed, OnnxClassifier large)
    {
        var (x, y) = Split(count, seed, large);
        var path = Path.Combine(Root, name);
        NpyWriter.WriteNpz(path, ("x", NpyWriter.Npy("<i2", [count, Length], NpyWriter.Int16(x))), ("y", NpyWriter.Npy("<i8", [count], NpyWriter.Int64(y.Select(l => (long)l).ToArray()))));
        return path;
    }

    /// <summary>Seeded INT16 windows; labels: the large model's class, except every tenth sample gets another.</summary>
    private static (short[] X, byte[] Y) Split(int count, int seed, OnnxClassifier large)
    {
        var random = new Random(seed);
        var x = new short[count * Length];
        for (var i = 0; i < x.Length; i++)
            x[i] = (short)random.Next(-12_000, 12_000);
        var input = x.Select(v => v / 32768f).ToArray();
        var logits = large.RunAll(input);
        var y = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var row = logits.AsSpan(i * Classes, Classes);
            var best = 0;
            for (var c = 1; c < Classes; c++)
                best = row[c] > row[best] ? c : best;
            y[i] = (byte)(i % 10 == 0 ? (best + 1) % Classes : best);
        }

        return (x, y);
    }
}
