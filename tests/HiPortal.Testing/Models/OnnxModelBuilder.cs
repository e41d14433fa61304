using System.Security.Cryptography;
using System.Text;
using HiPortal.Core.Inference;

namespace HiPortal.Testing.Models;

/// <summary>
/// Writes small, real ONNX classifiers from C# (the protobuf by hand, no Python): Flatten, then one or two dense
/// layers with seeded weights, for any sample shape and class count. Tests use them to bring a model of another
/// shape and datatype through the whole platform, and to craft graphs that must be refused.
/// </summary>
public sealed record OnnxModelBuilder
{
    public required IReadOnlyList<int> SampleShape { get; init; }

    public required int Classes { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Units of a ReLU hidden layer; 0 = a single linear layer.</summary>
    public int Hidden { get; init; }

    public string InputName { get; init; } = "input";

    public string OutputName { get; init; } = "logits";

    /// <summary>Null = a dynamic batch axis; a number fixes it (a graph HiPortal must refuse).</summary>
    public int? FixedBatch { get; init; }

    /// <summary>Adds a Softmax at the end, for cards that say <c>"scores": "probabilities"</c>.</summary>
    public bool Softmax { get; init; }

    public int SampleLength => SampleShape.Aggregate(1, (a, d) => a * d);

    public byte[] Build()
    {
        var random = new Random(Seed);
        var nodes = new List<byte[]>();
        var initializers = new List<byte[]>();
        var width = SampleLength;
        nodes.Add(Node("Flatten", [InputName], ["flat"], Attribute("axis", 1)));
        var current = "flat";
        var layers = Hidden > 0 ? new[] { Hidden, Classes } : [Classes];
        for (var l = 0; l < layers.Length; l++)
        {
            var units = layers[l];
            var scale = (float)Math.Sqrt(2.0 / width);
            initializers.Add(FloatTensor($"w{l}", [width, units], random, scale));
            initializers.Add(FloatTensor($"b{l}", [units], random, 0.1f));
            var last = l == layers.Length - 1;
            var output = last && !Softmax ? OutputName : $"z{l}";
            nodes.Add(Node("MatMul", [current, $"w{l}"], [$"m{l}"]));
            nodes.Add(Node("Add", [$"m{l}", $"b{l}"], [last ? output : $"a{l}"]));
            if (!last)
            {
                nodes.Add(Node("Relu", [$"a{l}"], [output]));
            }

            current = output;
            width = units;
        }

        if (Softmax)
        {
            nodes.Add(Node("Softmax", [current], [OutputName], Attribute("axis", 1)));
        }

        var graph = new Proto();
        foreach (var node in nodes)
            graph.Bytes(1, node);
        graph.String(2, "hiportal-test");
        foreach (var initializer in initializers)
            graph.Bytes(5, initializer);
        graph.Bytes(11, ValueInfo(InputName, [.. SampleShape]));
        graph.Bytes(12, ValueInfo(OutputName, [Classes]));

        var model = new Proto();
        model.Int(1, 8); // ir_version
        model.String(2, "HiPortal.Testing");
        model.Bytes(7, graph.ToArray());
        model.Bytes(8, new Proto().String(1, "").Int(2, 17).ToArray()); // opset_import: ai.onnx 17
        return model.ToArray();
    }

    /// <summary>Writes model.onnx and a card that matches it under {root}/{name}/{version}/; returns the card.</summary>
    public ModelCard WriteTo(string root, string name, string version, string datatype = "FP32", InputPreprocessing? preprocessing = null,
        IReadOnlyList<string>? classNames = null)
    {
        var directory = ModelLayout.VersionDirectory(root, name, version);
        Directory.CreateDirectory(directory);
        var bytes = Build();
        File.WriteAllBytes(ModelLayout.OnnxPath(directory), bytes);
        var card = CardFor(bytes, name, version, datatype, preprocessing, classNames);
        File.WriteAllText(ModelLayout.CardPath(directory), card.ToJson());
        return card;
    }

    /// <summary>A card describing these <paramref name="bytes"/> truthfully.</summary>
    public ModelCard CardFor(byte[] bytes, string name, string version, string datatype = "FP32",
        InputPreprocessing? preprocessing = null, IReadOnlyList<string>? classNames = null) => new()
        {
            Name = name,
            Version = version,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Input = new ModelInputCard
            {
                Name = InputName,
                Datatype = datatype,
                Shape = [-1, .. SampleShape.Select(d => (long)d)],
                Preprocessing = preprocessing,
            },
            Output = new ModelOutputCard
            {
                Name = OutputName,
                Shape = [-1, Classes],
                Scores = Softmax ? ModelOutputCard.Probabilities : ModelOutputCard.Logits,
            },
            ClassNames = classNames ?? Enumerable.Range(0, Classes).Select(i => $"class-{i}").ToArray(),
            Architecture = Hidden > 0 ? $"Flatten, dense {Hidden} + ReLU, dense {Classes} (generated by a test)" : $"Flatten, dense {Classes} (generated by a test)",
            Parameters = Hidden > 0 ? ((SampleLength + 1) * Hidden) + ((Hidden + 1) * Classes) : (SampleLength + 1) * Classes,
            Dataset = "none: random weights, seed " + Seed,
        };

    private byte[] ValueInfo(string name, int[] sampleDims)
    {
        var shape = new Proto();
        shape.Bytes(1, FixedBatch is { } b ? new Proto().Int(1, b).ToArray() : new Proto().String(2, "N").ToArray());
        foreach (var d in sampleDims)
            shape.Bytes(1, new Proto().Int(1, d).ToArray());
        var tensor = new Proto().Int(1, 1).Bytes(2, shape.ToArray()); // elem_type FLOAT
        var type = new Proto().Bytes(1, tensor.ToArray());
        return new Proto().String(1, name).Bytes(2, type.ToArray()).ToArray();
    }

    private static byte[] Node(string op, string[] inputs, string[] outputs, byte[]? attribute = null)
    {
        var node = new Proto();
        foreach (var i in inputs)
            node.String(1, i);
        foreach (var o in outputs)
            node.String(2, o);
        node.String(4, op);
        if (attribute is not null)
            node.Bytes(5, attribute);
        return node.ToArray();
    }

    private static byte[] Attribute(string name, long value) => new Proto().String(1, name).Int(3, value).Int(20, 2).ToArray();

    private static byte[] FloatTensor(string name, int[] dims, Random random, float scale)
    {
        var count = dims.Aggregate(1, (a, d) => a * d);
        var data = new byte[count * sizeof(float)];
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(i * 4), (float)((random.NextDouble() * 2) - 1) * scale);
        }

        var tensor = new Proto();
        foreach (var d in dims)
            tensor.Int(1, d);
        tensor.Int(2, 1); // FLOAT
        tensor.String(8, name);
        tensor.Bytes(9, data);
        return tensor.ToArray();
    }

    /// <summary>The protobuf wire format, the little of it ONNX needs: varints and length-delimited fields.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _stream = new();

        public Proto Int(int field, long value)
        {
            Varint(((ulong)field << 3) | 0);
            Varint((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Bytes(int field, byte[] value)
        {
            Varint(((ulong)field << 3) | 2);
            Varint((ulong)value.Length);
            _stream.Write(value);
            return this;
        }

        public byte[] ToArray() => _stream.ToArray();

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.WriteByte((byte)value);
        }
    }
}
