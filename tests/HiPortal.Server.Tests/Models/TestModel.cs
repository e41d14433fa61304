using HiPortal.Core.Codec;
using HiPortal.Core.Inference;
using HiPortal.Testing.Models;

namespace HiPortal.Server.Tests.Models;

/// <summary>
/// A generated classifier of another shape and datatype than Fashion-MNIST's (UINT8 [N,3,16,16], 5 classes, per-channel
/// mean/std): its ONNX bytes, its card, and the model run directly (no server) as the reference answers.
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

    public TestModel(string name, string version, int seed, int hidden)
    {
        var builder = new OnnxModelBuilder { SampleShape = SampleShape, Classes = Classes, Seed = seed, Hidden = hidden };
        Bytes = builder.Build();
        Card = builder.CardFor(Bytes, name, version, "UINT8", Preprocessing);
        _directory = Directory.CreateTempSubdirectory("hiportal-model-").FullName;
        var path = Path.Combine(_directory, ModelLayout.OnnxFileName);
        File.WriteAllBytes(path, Bytes);
        _classifier = OnnxClassifier.Load(path, Card);
        _decoder = new SampleDecoder(_classifier.Signature);
    }

    public byte[] Bytes { get; }

    public ModelCard Card { get; }

    public string Reference => Card.Reference;

    public string CardJson => Card.ToJson();

    /// <summary>The class probabilities of one UINT8 sample, decoded and run exactly as the server should.</summary>
    public float[] Probabilities(byte[] sample)
    {
        var input = new float[SampleLength];
        _decoder.Decode("UINT8", sample, input);
        var scores = new float[Classes];
        _classifier.Run(input, 1, scores);
        var probabilities = new float[Classes];
        Core.Decisions.Probabilities.Softmax(scores, probabilities);
        return probabilities;
    }

    public int PredictedClass(byte[] sample) => Core.Decisions.Probabilities.Top2(Probabilities(sample)).Class;

    public static byte[] Sample(int seed)
    {
        var bytes = new byte[SampleLength];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public void Dispose()
    {
        _classifier.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
