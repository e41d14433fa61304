using System.Buffers.Binary;
using HiPortal.Core.Codec;
using HiPortal.Core.Inference;
using HiPortal.Testing.Models;

namespace HiPortal.Server.Tests.Models;

/// <summary>
/// A generated classifier of another shape than Fashion-MNIST's ([N,3,16,16], 5 classes, per-channel mean/std), whose
/// samples travel in <see cref="Datatype"/> (UINT8 unless given): its ONNX bytes, its card, and the model run directly
/// (no server) as the reference answers.
/// </summary>
public sealed class TestModel : IDisposable
{
    public static readonly int[] SampleShape = [3, 16, 16];
    public const int Classes = 5;
    public const int SampleLength = 3 * 16 * 16;

    public static readonly InputPreprocessing Preprocessing = new() { Scale = 1 / 255.0, Mean = [0.5, 0.4, 0.3], Std = [0.25, 0.2, 0.3] };

    private readonly string _directory;
    private readonly OnnxClassifier _classifier;
    private readonly SampleDecoder _decoder;

    public TestModel(string name, string version, int seed, int hidden, SampleDatatype datatype = SampleDatatype.Uint8)
    {
        var builder = new OnnxModelBuilder { SampleShape = SampleShape, Classes = Classes, Seed = seed, Hidden = hidden };
        Bytes = builder.Build();
        Datatype = datatype;
        // Each integer datatype scaled to about [-1, 1] (UINT8 to [0, 1]) as an ADC's counts would be; FP16 as it is.
        var preprocessing = datatype switch
        {
            SampleDatatype.Int8 => Preprocessing with { Scale = 1 / 128.0 },
            SampleDatatype.Int16 => Preprocessing with { Scale = 1 / 32768.0 },
            SampleDatatype.Fp16 => Preprocessing with { Scale = 1 },
            _ => Preprocessing,
        };
        Card = builder.CardFor(Bytes, name, version, datatype.Name(), preprocessing);
        _directory = Directory.CreateTempSubdirectory("hiportal-model-").FullName;
        var path = Path.Combine(_directory, ModelLayout.OnnxFileName);
        File.WriteAllBytes(path, Bytes);
        _classifier = OnnxClassifier.Load(path, Card);
        _decoder = new SampleDecoder(_classifier.Signature);
    }

    public byte[] Bytes { get; }

    public SampleDatatype Datatype { get; }

    public ModelCard Card { get; }

    public string Reference => Card.Reference;

    public string CardJson => Card.ToJson();

    /// <summary>The class probabilities of one sample in <see cref="Datatype"/>, decoded and run exactly as the server should.</summary>
    public float[] Probabilities(byte[] sample)
    {
        var input = new float[SampleLength];
        _decoder.Decode(Datatype.Name(), sample, input);
        var scores = new float[Classes];
        _classifier.Run(input, 1, scores);
        var probabilities = new float[Classes];
        Core.Decisions.Probabilities.Softmax(scores, probabilities);
        return probabilities;
    }

    public int PredictedClass(byte[] sample) => Core.Decisions.Probabilities.Top2(Probabilities(sample)).Class;

    /// <summary>A seeded UINT8 sample.</summary>
    public static byte[] Sample(int seed)
    {
        var bytes = new byte[SampleLength];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A seeded sample's wire bytes in this model's datatype: any bit pattern for the integer types, values in
    /// [-2, 2] for FP16.</summary>
    public byte[] SampleOf(int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[SampleLength * Datatype.ElementBytes()];
        if (Datatype == SampleDatatype.Fp16)
        {
            for (var i = 0; i < SampleLength; i++)
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)((random.NextDouble() * 4) - 2));
        }
        else
        {
            random.NextBytes(bytes);
        }

        return bytes;
    }

    /// <summary>A sample's values as JSON numbers (OIP's data array), read back from its wire bytes.</summary>
    public double[] Values(byte[] sample) => Enumerable.Range(0, SampleLength).Select(i => Datatype switch
    {
        SampleDatatype.Uint8 => sample[i],
        SampleDatatype.Int8 => (sbyte)sample[i],
        SampleDatatype.Int16 => BinaryPrimitives.ReadInt16LittleEndian(sample.AsSpan(i * 2)),
        SampleDatatype.Fp16 => (double)BinaryPrimitives.ReadHalfLittleEndian(sample.AsSpan(i * 2)),
        _ => BinaryPrimitives.ReadSingleLittleEndian(sample.AsSpan(i * 4)),
    }).ToArray();

    /// <summary>
    /// Registers <paramref name="tiny"/>, <paramref name="large"/> and any <paramref name="others"/> through the admin
    /// API, and creates <paramref name="fleet"/> naming the pair.
    /// </summary>
    public static async Task CreateFleetAsync(HiPortalClient admin, string fleet, TestModel tiny, TestModel large, params TestModel[] others)
    {
        foreach (var model in new[] { tiny, large }.Concat(others))
        {
            await admin.RegisterModelAsync(model.Bytes, model.CardJson);
        }

        await admin.CreateFleetAsync(fleet);
        await admin.SetFleetModelsAsync(fleet, new FleetModelsRequest(tiny.Reference, large.Reference));
    }

    /// <summary>Asserts that the server's answer for <paramref name="sample"/> is this model's, run directly.</summary>
    public void AssertAnswer(byte[] sample, float[] probabilities, int predictedClass)
    {
        var expected = Probabilities(sample);
        Assert.Equal(expected.Length, probabilities.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], probabilities[i], 5);
        }

        Assert.Equal(PredictedClass(sample), predictedClass);
    }

    public void Dispose()
    {
        _classifier.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
