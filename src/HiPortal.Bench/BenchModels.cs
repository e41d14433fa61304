using System.Buffers.Binary;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;

namespace HiPortal.Bench;

/// <summary>Which large models the raw runs measure, and samples of each one's own shape and datatype.</summary>
public static class BenchModels
{
    /// <summary>The committed pairs' large models, in table order; those not in the repository are skipped.</summary>
    public static readonly IReadOnlyList<string> CommittedLarge = ["fashion-large", "vibration-large"];

    public static IEnumerable<string> Select(string model, bool allPairs) => allPairs
        ? CommittedLarge.Where(name => ModelLayout.Enumerate(ModelLayout.DefaultRoot).Any(m => m.Name == name))
            .Select(name => ModelLocator.Resolve(name))
        : [ModelLocator.Resolve(model)];

    /// <summary>
    /// Fashion-MNIST images when the model takes them; otherwise seeded values in the card's datatype (throughput
    /// does not depend on what the numbers are, only on their shape).
    /// </summary>
    public static LabelledSamples Samples(ModelSignature signature, LabelledSamples fashion)
    {
        if (fashion.MismatchWith(signature) is null)
            return fashion;
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

        return new LabelledSamples(signature.Datatype, signature.SampleLength, bytes, new byte[count]);
    }
}
