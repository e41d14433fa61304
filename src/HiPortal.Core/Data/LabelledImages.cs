using HiPortal.Core.Inference;

namespace HiPortal.Core.Data;

/// <summary>Fashion-MNIST's 28x28 UINT8 images: <see cref="LabelledSamples"/> under the name the server's demo and
/// tests still use (the lead may fold it away once they read <see cref="LabelledSamples"/>).</summary>
public sealed class LabelledImages(byte[] pixels, byte[] labels)
    : LabelledSamples(SampleDatatype.Uint8, FashionMnist.PixelsPerImage, pixels, labels)
{
    public ReadOnlySpan<byte> Image(int index) => Sample(index);

    /// <summary>The first <paramref name="count"/> images (all when count is larger).</summary>
    public new LabelledImages Take(int count)
    {
        count = Math.Min(count, Count);
        return new LabelledImages(SampleData(0, count), LabelData(0, count));
    }
}
