using System.Buffers.Binary;
using System.Globalization;

namespace HiPortal.Core.Codec;

/// <summary>
/// The wire format of one Fashion-MNIST sample: 28×28 grey pixels as UINT8 (0..255) or little-endian FP32
/// in [0, 1], decoded to the models' float input (pixel / 255).
/// </summary>
/// <remarks>Decoding allocates nothing unless the sample is rejected, so it can run per request.</remarks>
public static class SampleCodec
{
    public const int Width = Inference.OnnxClassifier.InputWidth;
    public const int Height = Inference.OnnxClassifier.InputHeight;
    public const int PixelCount = Inference.OnnxClassifier.InputLength;
    public const int Uint8Bytes = PixelCount;
    public const int Float32Bytes = PixelCount * sizeof(float);

    public const string Uint8Datatype = "UINT8";
    public const string Float32Datatype = "FP32";

    public const string DataField = "input.data";
    public const string ShapeField = "input.shape";
    public const string DatatypeField = "input.datatype";

    private static readonly int[][] s_acceptedShapes = [[PixelCount], [Height, Width], [1, Height, Width], [1, 1, Height, Width]];

    /// <summary>Decodes UINT8 pixels to floats in [0, 1].</summary>
    /// <exception cref="SampleFormatException">The data is not exactly <see cref="Uint8Bytes"/> bytes.</exception>
    public static void DecodeUint8(ReadOnlySpan<byte> pixels, Span<float> destination) =>
        ThrowIfError(TryDecodeUint8(pixels, destination));

    /// <summary>
    /// Decodes <paramref name="data"/> as <paramref name="datatype"/> ("UINT8", or "FP32" little-endian and within
    /// [0, 1]; any case) without throwing. Every input path (JSON, binary, Open Inference) decodes through here.
    /// </summary>
    public static bool TryDecode(string? datatype, ReadOnlySpan<byte> data, Span<float> destination, out SampleFormatError? error)
    {
        if (string.Equals(datatype, Uint8Datatype, StringComparison.OrdinalIgnoreCase))
            error = TryDecodeUint8(data, destination);
        else if (string.Equals(datatype, Float32Datatype, StringComparison.OrdinalIgnoreCase))
            error = TryDecodeFloat32(data, destination);
        else
            error = new SampleFormatError(DatatypeField, $"unsupported datatype '{datatype}'; expected {Uint8Datatype} or {Float32Datatype}");
        return error is null;
    }

    /// <summary>Null when <paramref name="shape"/> is one sample's: [H·W], [H, W], [1, H, W] or [1, 1, H, W] of the model's input.</summary>
    public static SampleFormatError? TryValidateShape(IReadOnlyList<int>? shape)
    {
        if (shape is not null && s_acceptedShapes.Any(accepted => accepted.SequenceEqual(shape)))
            return null;
        var got = shape is null ? "none" : Format(shape);
        return new SampleFormatError(ShapeField, $"expected one of {string.Join(", ", s_acceptedShapes.Select(Format))}, got {got}");
    }

    private static SampleFormatError? TryDecodeUint8(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        if (pixels.Length != Uint8Bytes)
            return LengthError(Uint8Bytes, Uint8Datatype, pixels.Length);
        RequireDestination(destination);
        for (var i = 0; i < PixelCount; i++)
            destination[i] = pixels[i] / 255f;
        return null;
    }

    private static SampleFormatError? TryDecodeFloat32(ReadOnlySpan<byte> data, Span<float> destination)
    {
        if (data.Length != Float32Bytes)
            return LengthError(Float32Bytes, Float32Datatype, data.Length);
        RequireDestination(destination);
        for (var i = 0; i < PixelCount; i++)
        {
            var value = BinaryPrimitives.ReadSingleLittleEndian(data[(i * sizeof(float))..]);
            if (!float.IsFinite(value))
                return new SampleFormatError(DataField, $"value at index {i} is {Describe(value)}; pixels must be finite");
            if (value is < 0f or > 1f)
                return new SampleFormatError(DataField, $"value {value.ToString(CultureInfo.InvariantCulture)} at index {i} is outside [0, 1]");
            destination[i] = value;
        }

        return null;
    }

    private static SampleFormatError LengthError(int expected, string datatype, int got) =>
        new(DataField, $"expected {expected} bytes for {datatype} {Height}x{Width}, got {got}");

    private static string Describe(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+Infinity" : "-Infinity";

    private static string Format(IEnumerable<int> shape) => $"[{string.Join(",", shape)}]";

    private static void ThrowIfError(SampleFormatError? error)
    {
        if (error is not null)
            throw new SampleFormatException(error.Field, error.Message);
    }

    // A short destination is the caller's bug, not the client's, so it is an ArgumentException.
    private static void RequireDestination(Span<float> destination)
    {
        if (destination.Length < PixelCount)
            throw new ArgumentException($"Destination holds {destination.Length} floats; {PixelCount} are needed.", nameof(destination));
    }
}
