namespace HiPortal.Core.Data;

/// <summary>28x28 uint8 images with their labels, stored contiguously.</summary>
public sealed class LabelledImages(byte[] pixels, byte[] labels)
{
    public const int PixelsPerImage = Codec.SampleCodec.Uint8Bytes;

    public int Count => labels.Length;

    public ReadOnlySpan<byte> Labels => labels;

    public ReadOnlySpan<byte> Image(int index) => pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    public byte Label(int index) => labels[index];

    /// <summary>The first <paramref name="count"/> samples (all when count is larger).</summary>
    public LabelledImages Take(int count)
    {
        count = Math.Min(count, Count);
        return new LabelledImages(pixels.AsSpan(0, count * PixelsPerImage).ToArray(), labels.AsSpan(0, count).ToArray());
    }
}
