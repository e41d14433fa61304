using System.Buffers.Binary;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;

namespace HiPortal.Bench;

/// <summary>
/// One pair the bench measures: its large model raw and served, behind a fleet of its own that names the pair, with
/// samples of the large model's own shape and datatype.
/// </summary>
public sealed record BenchPair(string Fleet, string LargeDirectory, ModelCard Large, string Tiny, LabelledSamples Samples);

/// <summary>Which pairs the bench measures, and samples of each one's own shape and datatype.</summary>
public static class BenchModels
{
    /// <summary>The committed pairs (tiny, large, test data beside the program), in table order.</summary>
    public static readonly IReadOnlyList<(string Tiny, string Large, string? Data)> Committed =
    [
        ("fashion-tiny", "fashion-large", null),
        ("vibration-tiny", "vibration-large", "models/demo/vibration-test.npz"),
    ];

    /// <summary>
    /// Every committed pair in the repository (<paramref name="allPairs"/>), or the one pair of <paramref name="model"/>:
    /// a committed pair's large model brings its tiny and data; any other model serves as both (the bench posts
    /// offloads directly, so the tiny one is never run) with seeded samples.
    /// </summary>
    public static List<BenchPair> Select(string model, bool allPairs, LabelledSamples fashion)
    {
        var present = ModelLayout.Enumerate(ModelLayout.DefaultRoot).Select(m => m.Name).ToHashSet();
        var wanted = allPairs
            ? Committed.Where(p => present.Contains(p.Large) && present.Contains(p.Tiny)).Select(p => p.Large).ToList()
            : [model];
        return wanted.Select(text =>
        {
            var directory = ModelLocator.Resolve(text);
            var card = ModelCard.Load(ModelLayout.CardPath(directory));
            var committed = Committed.FirstOrDefault(p => p.Large == card.Name);
            var tiny = committed.Tiny is { } name && present.Contains(name) ? name : card.Reference;
            var signature = ModelSignature.Create(card);
            var data = committed.Data is { } file && File.Exists(Path.Combine(AppContext.BaseDirectory, file))
                ? LabelledData.Load(new LabelledDataSource(Path.Combine(AppContext.BaseDirectory, file)))
                : null;
            return new BenchPair($"bench-{card.Name}", directory, card, tiny, Samples(signature, data ?? fashion));
        }).ToList();
    }

    /// <summary>
    /// The pair's own test samples (or Fashion-MNIST images) when the model takes them; otherwise seeded values in the
    /// card's datatype (throughput does not depend on what the numbers are, only on their shape).
    /// </summary>
    public static LabelledSamples Samples(ModelSignature signature, LabelledSamples candidate)
    {
        if (candidate.MismatchWith(signature) is null && candidate.Datatype == signature.Datatype)
            return candidate.Take(2000);
        const int count = 256;
        var random = new Random(7);
        var bytes = new byte[count * signature.SampleBytes];
        if (signature.Datatype is SampleDatatype.Fp16 or SampleDatatype.Fp32)
        {
            var size = signature.Datatype.ElementBytes();
            for (var i = 0; i < bytes.Length; i += size)
            {
                var value = (float)random.NextDouble();
                if (size == 2)
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i), (Half)value);
                else
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i), value);
            }
        }
        else
        {
            random.NextBytes(bytes);
        }

        var labels = new byte[count];
        for (var i = 0; i < count; i++)
            labels[i] = (byte)(i % signature.ClassCount);
        return new LabelledSamples(signature.Datatype, signature.SampleLength, bytes, labels);
    }
}
