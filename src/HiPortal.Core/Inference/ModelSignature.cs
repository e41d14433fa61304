namespace HiPortal.Core.Inference;

/// <summary>
/// A validated card reduced to what serving needs: the sample's element count and wire type, the preprocessing
/// expanded per channel, the graph's tensor names and shapes, and the class count. Codec, batch buffers, parsers and
/// stats are all sized from here.
/// </summary>
public sealed class ModelSignature
{
    private ModelSignature(ModelCard card)
    {
        Card = card;
        InputName = card.Input.Name;
        OutputName = card.Output.Name;
        SampleShape = card.Input.Shape.Skip(1).Select(d => (int)d).ToArray();
        SampleLength = SampleShape.Aggregate(1, (a, d) => a * d);
        ClassCount = (int)card.Output.Shape[1];
        Datatype = SampleDatatypes.TryParse(card.Input.Datatype, out var datatype)
            ? datatype : throw new ModelCardException("input.datatype", $"'{card.Input.Datatype}' is not supported");
        Channels = card.Input.Channels;
        ChannelLength = SampleLength / Channels;
        var p = card.Input.Preprocessing;
        Scale = p?.Scale ?? 1;
        Mean = Expand(p?.Mean, 0, Channels);
        Std = Expand(p?.Std, 1, Channels);
        Range = card.Input.Range is { } r ? ((float)r[0], (float)r[1]) : null;
        ScoresAreProbabilities = card.Output.Scores == ModelOutputCard.Probabilities;
    }

    public ModelCard Card { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>The input shape of one sample (the graph's, without the batch axis).</summary>
    public IReadOnlyList<int> SampleShape { get; }

    /// <summary>Elements in one sample, and floats in one row of the batch buffer.</summary>
    public int SampleLength { get; }

    public int ClassCount { get; }

    /// <summary>The sample's element type on the wire.</summary>
    public SampleDatatype Datatype { get; }

    /// <summary>Bytes of one sample in its wire datatype.</summary>
    public int SampleBytes => SampleLength * Datatype.ElementBytes();

    public int Channels { get; }

    /// <summary>Elements per channel: channel c of a sample is elements [c·ChannelLength, (c+1)·ChannelLength).</summary>
    public int ChannelLength { get; }

    public double Scale { get; }

    public IReadOnlyList<double> Mean { get; }

    public IReadOnlyList<double> Std { get; }

    public (float Min, float Max)? Range { get; }

    public bool ScoresAreProbabilities { get; }

    public IReadOnlyList<string> ClassNames => Card.ClassNames;

    /// <summary>The graph's input shape for a batch of <paramref name="batch"/>.</summary>
    public long[] InputShape(int batch)
    {
        var shape = new long[SampleShape.Count + 1];
        shape[0] = batch;
        for (var i = 0; i < SampleShape.Count; i++)
        {
            shape[i + 1] = SampleShape[i];
        }

        return shape;
    }

    /// <summary>Builds the signature of a card, validating it first.</summary>
    public static ModelSignature Create(ModelCard card)
    {
        card.Validate();
        return new ModelSignature(card);
    }

    /// <summary>
    /// Whether two models can serve as one pair: the device sends the same sample to both, and both answer in the same
    /// classes. Null when they can; otherwise what differs.
    /// </summary>
    public static string? PairMismatch(ModelSignature tiny, ModelSignature large)
    {
        if (tiny.Datatype != large.Datatype)
            return $"tiny takes {tiny.Datatype.Name()} samples, large takes {large.Datatype.Name()}";
        if (!tiny.SampleShape.SequenceEqual(large.SampleShape))
            return $"tiny takes samples of shape [{string.Join(",", tiny.SampleShape)}], large [{string.Join(",", large.SampleShape)}]";
        if (!tiny.ClassNames.SequenceEqual(large.ClassNames, StringComparer.Ordinal))
            return "tiny and large have different class names";
        return null;
    }

    private static double[] Expand(IReadOnlyList<double>? values, double fallback, int channels) =>
        values is null ? Enumerable.Repeat(fallback, channels).ToArray()
        : values.Count == 1 ? Enumerable.Repeat(values[0], channels).ToArray()
        : values.ToArray();
}
