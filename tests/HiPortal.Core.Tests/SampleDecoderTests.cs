using System.Buffers.Binary;
using HiPortal.Core.Codec;
using HiPortal.Core.Inference;

namespace HiPortal.Core.Tests;

public sealed class SampleDecoderTests
{
    private static ModelCard Card(string datatype, long[] shape, int classes = 3, InputPreprocessing? preprocessing = null,
        double[]? range = null) => new()
        {
            Name = "m",
            Version = "1",
            Sha256 = new string('a', 64),
            Input = new ModelInputCard { Name = "x", Datatype = datatype, Shape = shape, Preprocessing = preprocessing, Range = range },
            Output = new ModelOutputCard { Name = "y", Shape = [-1, classes] },
            ClassNames = Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(),
        };

    private static SampleDecoder Decoder(ModelCard card) => new(ModelSignature.Create(card));

    [Fact]
    public void Uint8_TimesAReciprocalScale_GivesExactlyTheFloatOfADivision()
    {
        var decoder = Decoder(Card("UINT8", [-1, 1, 16, 16], preprocessing: new InputPreprocessing { Scale = 1.0 / 255 }));
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var decoded = new float[256];

        decoder.Decode(null, data, decoded);

        Assert.Equal(data.Select(b => b / 255f), decoded);
    }

    [Fact]
    public void PerChannelMeanAndStd_ApplyToTheirChannelOnly()
    {
        var decoder = Decoder(Card("UINT8", [-1, 3, 2, 2], preprocessing: new InputPreprocessing
        {
            Scale = 0.5,
            Mean = [1, 2, 3],
            Std = [1, 2, 4],
        }));
        var data = Enumerable.Repeat((byte)10, 12).ToArray();
        var decoded = new float[12];

        decoder.Decode("uint8", data, decoded);

        Assert.Equal([4f, 4, 4, 4, 1.5f, 1.5f, 1.5f, 1.5f, 0.5f, 0.5f, 0.5f, 0.5f], decoded);
    }

    [Theory]
    [InlineData("UINT8")]
    [InlineData("INT8")]
    public void EightBitSamples_EveryByteInEveryChannel_EqualsTheCardsFormula(string datatype)
    {
        double[] mean = [0.1, -0.2, 0.3], std = [0.25, 0.5, 2];
        const double scale = 1.0 / 255;
        var decoder = Decoder(Card(datatype, [-1, 3, 16, 16], preprocessing: new InputPreprocessing { Scale = scale, Mean = mean, Std = std }));
        // Each channel holds every byte value, in a different order per channel.
        var data = Enumerable.Range(0, 3 * 256).Select(i => (byte)((i * (1 + (2 * (i / 256)))) % 256)).ToArray();
        var decoded = new float[data.Length];

        decoder.Decode(null, data, decoded);

        var expected = data.Select((b, i) =>
        {
            double raw = datatype == "UINT8" ? b : (sbyte)b;
            return (float)(((raw * scale) - mean[i / 256]) / std[i / 256]);
        });
        Assert.Equal(expected, decoded);
    }

    [Fact]
    public void Int16_IsLittleEndianAndSigned()
    {
        var decoder = Decoder(Card("INT16", [-1, 1, 4], preprocessing: new InputPreprocessing { Scale = 1.0 / 32768 }));
        var data = new byte[8];
        short[] values = [-32768, -1, 0, 16384];
        for (var i = 0; i < 4; i++)
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 2), values[i]);
        var decoded = new float[4];

        decoder.Decode("INT16", data, decoded);

        Assert.Equal([-1f, -1f / 32768, 0f, 0.5f], decoded);
    }

    [Fact]
    public void Int8AndFp16_Decode()
    {
        var int8 = new float[2];
        Decoder(Card("INT8", [-1, 2])).Decode(null, [0xff, 0x7f], int8);
        Assert.Equal([-1f, 127f], int8);

        var fp16 = new float[2];
        var data = new byte[4];
        BinaryPrimitives.WriteHalfLittleEndian(data, (Half)1.5);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2), (Half)(-2));
        Decoder(Card("FP16", [-1, 2])).Decode("FP16", data, fp16);
        Assert.Equal([1.5f, -2f], fp16);
    }

    [Fact]
    public void Fp32OnTheWire_IsTheModelsInput_CheckedAgainstTheCardsRange()
    {
        var decoder = Decoder(Card("UINT8", [-1, 4], preprocessing: new InputPreprocessing { Scale = 1.0 / 255 }, range: [0, 1]));
        var data = new byte[16];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), 1.5f);

        Assert.False(decoder.TryDecode("FP32", data, new float[4], out var error));

        Assert.Equal(new SampleFormatError("input.data", "value 1.5 at index 2 is outside [0, 1]"), error);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void NonFiniteFloats_AreRefused_WithTheirIndex(float value, string name)
    {
        var decoder = Decoder(Card("FP32", [-1, 4]));
        var data = new byte[16];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(12), value);

        Assert.False(decoder.TryDecode(null, data, new float[4], out var error));

        Assert.Equal(new SampleFormatError("input.data", $"value at index 3 is {name}; values must be finite"), error);
    }

    [Fact]
    public void WrongLength_AndWrongDatatype_NameTheirFields()
    {
        var decoder = Decoder(Card("INT16", [-1, 1, 1024]));

        Assert.False(decoder.TryDecode("INT16", new byte[2047], new float[1024], out var length));
        Assert.False(decoder.TryDecode("UINT8", new byte[1024], new float[1024], out var datatype));

        Assert.Equal(new SampleFormatError("input.data", "expected 2048 bytes for INT16 1024, got 2047"), length);
        Assert.Equal(new SampleFormatError("input.datatype", "unsupported datatype 'UINT8'; expected INT16 or FP32"), datatype);
    }

    [Fact]
    public void AcceptedShapes_AreFlatSqueezedTheGraphsAndBatchOfOne()
    {
        var decoder = Decoder(Card("UINT8", [-1, 3, 16, 16]));

        Assert.Null(decoder.TryValidateShape([768]));
        Assert.Null(decoder.TryValidateShape([3, 16, 16]));
        Assert.Null(decoder.TryValidateShape([1, 3, 16, 16]));
        Assert.Equal("expected one of [768], [3,16,16], [1,3,16,16], got [16,16,3]", decoder.TryValidateShape([16, 16, 3])!.Message);
    }

    [Theory]
    [InlineData("task", "regression")]
    [InlineData("input.datatype", "INT64")]
    [InlineData("input.shape", "fixed-batch")]
    [InlineData("classNames", "too-few")]
    [InlineData("input.preprocessing.std", "zero-std")]
    [InlineData("name", "../escape")]
    public void Validate_RefusesABadCard_NamingTheField(string field, string defect)
    {
        var good = Card("UINT8", [-1, 3, 4, 4]);
        var card = defect switch
        {
            "regression" => good with { Task = "regression" },
            "INT64" => good with { Input = good.Input with { Datatype = "INT64" } },
            "fixed-batch" => good with { Input = good.Input with { Shape = [8, 3, 4, 4] } },
            "too-few" => good with { ClassNames = ["a", "b"] },
            "zero-std" => good with { Input = good.Input with { Preprocessing = new InputPreprocessing { Std = [1, 0, 1] } } },
            _ => good with { Name = defect },
        };

        var error = Assert.Throws<ModelCardException>(card.Validate);

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Parse_RoundTripsTheJsonAModelAuthorWrites()
    {
        var card = Card("INT16", [-1, 1, 1024], classes: 4, new InputPreprocessing { Scale = 1.0 / 32768 });

        var parsed = ModelCard.Parse(System.Text.Encoding.UTF8.GetBytes(card.ToJson()));

        Assert.Equal(card.Reference, parsed.Reference);
        Assert.Equal(card.Input.Shape, parsed.Input.Shape);
        Assert.Equal(card.Input.Preprocessing, parsed.Input.Preprocessing);
        Assert.Equal(card.ClassNames, parsed.ClassNames);
    }

    [Fact]
    public void Parse_ClassNamesNull_IsRefusedNamingTheField()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(Card("UINT8", [-1, 3, 4, 4]).ToJson())!.AsObject();
        json["classNames"] = null;

        var error = Assert.Throws<ModelCardException>(() => ModelCard.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Equal("classNames", error.Field);
    }

    [Theory]
    [InlineData("{\"name\":\"m\"}", "card")]
    [InlineData("not json", "card")]
    public void Parse_RefusesWhatIsNotACard(string json, string field)
    {
        var error = Assert.Throws<ModelCardException>(() => ModelCard.Parse(System.Text.Encoding.UTF8.GetBytes(json)));

        Assert.Equal(field, error.Field);
    }
}
