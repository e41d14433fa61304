using System.Text;
using HiPortal.Core.Codec;
using HiPortal.Core.Inference;
using HiPortal.Server.OpenInference;

namespace HiPortal.Server.Tests;

/// <summary>The Open Inference parser decodes pixels through the model's <see cref="SampleDecoder"/>, like every other input.</summary>
public sealed class InferRequestParserTests
{
    private const int PixelCount = 28 * 28;
    private static readonly SampleDecoder s_decoder = new(ModelSignature.Create(ModelCard.LoadNamed("fashion-large")));

    [Fact]
    public void Parse_DecodesUint8ValuesAsTheCodecDoes()
    {
        var pixels = Enumerable.Range(0, PixelCount).Select(i => (byte)(i % 256)).ToArray();
        var expected = new float[PixelCount];
        s_decoder.Decode("UINT8", pixels, expected);

        var parsed = Parse("UINT8", [1, 28, 28], pixels.Select(p => (double)p));

        Assert.Null(parsed.Error);
        Assert.Equal(expected, Assert.Single(parsed.Samples!)[..PixelCount]);
    }

    [Fact]
    public void Parse_RefusesAnFp32ValueOutsideTheUnitInterval_WithTheCodecsMessage()
    {
        var values = Enumerable.Repeat(0.5, 2 * PixelCount).ToArray();
        values[PixelCount + 7] = 1.5;

        var parsed = Parse("FP32", [2, PixelCount], values);

        Assert.Null(parsed.Samples);
        Assert.Equal("inputs[0].data, sample 1: value 1.5 at index 7 is outside [0, 1]", parsed.Error);
    }

    [Theory]
    [InlineData(new[] { 1, 1, 1, 28, 28 })]
    [InlineData(new[] { 1, 28, 27 })]
    [InlineData(new[] { 784 })]
    public void Parse_RefusesShapesThatAreNotABatchOfOneSampleShape(int[] shape)
    {
        var parsed = Parse("FP32", shape, Enumerable.Repeat(0.5, PixelCount));

        Assert.StartsWith("inputs[0].shape", parsed.Error);
    }

    private static ParsedInferRequest Parse(string datatype, int[] shape, IEnumerable<double> data)
    {
        var json = $$"""
            {"inputs":[{"name":"input","datatype":"{{datatype}}","shape":[{{string.Join(",", shape)}}],
            "data":[{{string.Join(",", data.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}}]}]}
            """;
        return InferRequestParser.Parse(Encoding.UTF8.GetBytes(json), s_decoder);
    }
}
