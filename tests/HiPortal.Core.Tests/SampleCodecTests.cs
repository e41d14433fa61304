using System.Buffers.Binary;
using HiPortal.Core.Codec;

namespace HiPortal.Core.Tests;

public class SampleCodecTests
{
    private static byte[] Float32Bytes(Action<float[]>? tamper = null)
    {
        var pixels = Enumerable.Range(0, SampleCodec.PixelCount).Select(i => (i % 256) / 255f).ToArray();
        tamper?.Invoke(pixels);
        var bytes = new byte[SampleCodec.Float32Bytes];
        for (var i = 0; i < pixels.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), pixels[i]);
        return bytes;
    }

    private static SampleFormatError DecodeFloat32Fails(byte[] data)
    {
        Assert.False(SampleCodec.TryDecode("FP32", data, new float[SampleCodec.PixelCount], out var error));
        return error!;
    }

    [Fact]
    public void DecodeUint8_DividesBy255()
    {
        var pixels = new byte[SampleCodec.Uint8Bytes];
        pixels[0] = 255;
        pixels[1] = 51;
        var destination = new float[SampleCodec.PixelCount];

        SampleCodec.DecodeUint8(pixels, destination);

        Assert.Equal(1f, destination[0]);
        Assert.Equal(0.2f, destination[1], 6);
        Assert.Equal(0f, destination[2]);
    }

    [Fact]
    public void DecodeUint8_WithWrongLength_NamesExpectedAndActualLength()
    {
        var error = Assert.Throws<SampleFormatException>(() =>
            SampleCodec.DecodeUint8(new byte[783], new float[SampleCodec.PixelCount]));

        Assert.Equal("input.data", error.Field);
        Assert.Equal("expected 784 bytes for UINT8 28x28, got 783", error.Message);
    }

    [Fact]
    public void DecodeFloat32_WithWrongLength_NamesExpectedAndActualLength()
    {
        var error = DecodeFloat32Fails(new byte[3135]);

        Assert.Equal("input.data", error.Field);
        Assert.Equal("expected 3136 bytes for FP32 28x28, got 3135", error.Message);
    }

    [Fact]
    public void DecodeFloat32_WithNaN_NamesTheIndex()
    {
        var error = DecodeFloat32Fails(Float32Bytes(p => p[5] = float.NaN));

        Assert.Equal("input.data", error.Field);
        Assert.Equal("value at index 5 is NaN; pixels must be finite", error.Message);
    }

    [Fact]
    public void DecodeFloat32_WithPositiveInfinity_NamesTheIndex()
    {
        var error = DecodeFloat32Fails(Float32Bytes(p => p[783] = float.PositiveInfinity));

        Assert.Equal("input.data", error.Field);
        Assert.Equal("value at index 783 is +Infinity; pixels must be finite", error.Message);
    }

    [Theory]
    [InlineData(1.5f, "value 1.5 at index 7 is outside [0, 1]")]
    [InlineData(-0.1f, "value -0.1 at index 7 is outside [0, 1]")]
    public void DecodeFloat32_WithValueOutsideUnitInterval_NamesValueAndIndex(float value, string message)
    {
        var error = DecodeFloat32Fails(Float32Bytes(p => p[7] = value));

        Assert.Equal("input.data", error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void TryDecode_DecodesBothFormatsToTheSamePixels()
    {
        var pixels = Enumerable.Range(0, SampleCodec.PixelCount).Select(i => (byte)(i % 256)).ToArray();
        var fromUint8 = new float[SampleCodec.PixelCount];
        var fromFp32 = new float[SampleCodec.PixelCount];

        Assert.True(SampleCodec.TryDecode("UINT8", pixels, fromUint8, out _));
        Assert.True(SampleCodec.TryDecode("FP32", Float32Bytes(), fromFp32, out _));

        Assert.Equal(fromUint8, fromFp32);
        Assert.Equal(100 / 255f, fromUint8[100]);
    }

    [Fact]
    public void TryDecode_AcceptsTheEndsOfTheUnitInterval()
    {
        var destination = new float[SampleCodec.PixelCount];

        var ok = SampleCodec.TryDecode("FP32", Float32Bytes(p => (p[0], p[1]) = (0f, 1f)), destination, out var error);

        Assert.True(ok, error?.Message);
        Assert.Equal([0f, 1f], destination[..2]);
    }

    [Theory]
    [InlineData(new[] { 784 })]
    [InlineData(new[] { 28, 28 })]
    [InlineData(new[] { 1, 28, 28 })]
    [InlineData(new[] { 1, 1, 28, 28 })]
    public void TryValidateShape_AcceptsSupportedShapes(int[] shape)
    {
        Assert.Null(SampleCodec.TryValidateShape(shape));
    }

    [Fact]
    public void TryValidateShape_WithBadShape_ListsAcceptedShapes()
    {
        var error = SampleCodec.TryValidateShape([3, 28, 28])!;

        Assert.Equal("input.shape", error.Field);
        Assert.Equal("expected one of [784], [28,28], [1,28,28], [1,1,28,28], got [3,28,28]", error.Message);
    }

    [Fact]
    public void TryDecode_WithUnknownDatatype_ReportsDatatypeField()
    {
        var ok = SampleCodec.TryDecode("INT64", new byte[784], new float[784], out var error);

        Assert.False(ok);
        Assert.Equal(new SampleFormatError("input.datatype", "unsupported datatype 'INT64'; expected UINT8 or FP32"), error);
    }

    [Fact]
    public void TryDecode_IsCaseInsensitiveAndReportsDataErrorsWithoutThrowing()
    {
        var destination = new float[SampleCodec.PixelCount];

        Assert.True(SampleCodec.TryDecode("uint8", new byte[784], destination, out var none));
        Assert.Null(none);
        Assert.True(SampleCodec.TryDecode("fp32", Float32Bytes(), destination, out _));
        Assert.False(SampleCodec.TryDecode("FP32", Float32Bytes(p => p[9] = 1.5f), destination, out var error));
        Assert.Equal(new SampleFormatError("input.data", "value 1.5 at index 9 is outside [0, 1]"), error);
    }
}
