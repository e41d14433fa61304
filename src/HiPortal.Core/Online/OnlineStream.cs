using HiPortal.Core.Decisions;
using HiPortal.Core.Evaluation;

namespace HiPortal.Core.Online;

/// <summary>
/// A sequence of samples as an online learner meets them, precomputed once from both models' outputs: the local
/// confidence and whether the tiny answer is wrong against the large model and against the label.
/// </summary>
public sealed class OnlineStream
{
    private OnlineStream(double[] confidence, bool[] wrongVsLarge, bool[] wrongVsLabel, bool[] largeWrong)
    {
        Confidence = confidence;
        TinyWrongVsLarge = wrongVsLarge;
        TinyWrongVsLabel = wrongVsLabel;
        LargeWrong = largeWrong;
    }

    public double[] Confidence { get; }

    public bool[] TinyWrongVsLarge { get; }

    public bool[] TinyWrongVsLabel { get; }

    public bool[] LargeWrong { get; }

    public int Count => Confidence.Length;

    /// <summary>The samples in the given order (default: as stored), max-softmax confidence.</summary>
    public static OnlineStream From(ModelOutputs tiny, ModelOutputs large, IReadOnlyList<int>? order = null)
    {
        if (tiny.Count != large.Count)
            throw new ArgumentException($"{tiny.Count} tiny outputs for {large.Count} large ones");
        var n = order?.Count ?? tiny.Count;
        var confidence = new double[n];
        var vsLarge = new bool[n];
        var vsLabel = new bool[n];
        var largeWrong = new bool[n];
        for (var t = 0; t < n; t++)
        {
            var i = order?[t] ?? t;
            var top = Probabilities.Top2(tiny.ProbabilitiesOf(i));
            confidence[t] = top.P1;
            vsLarge[t] = top.Class != large.Predicted(i);
            vsLabel[t] = top.Class != tiny.Label(i);
            largeWrong[t] = !large.Correct(i);
        }

        return new OnlineStream(confidence, vsLarge, vsLabel, largeWrong);
    }

    /// <summary>A stream from plain arrays (one truth: the label and the large model agree with it, the large model is never wrong).</summary>
    public static OnlineStream FromArrays(double[] confidence, bool[] tinyWrong)
    {
        if (confidence.Length != tinyWrong.Length)
            throw new ArgumentException($"{confidence.Length} confidences for {tinyWrong.Length} flags");
        return new OnlineStream(confidence, tinyWrong, tinyWrong, new bool[confidence.Length]);
    }

    /// <summary>The test set shuffled with <paramref name="seed"/>, every sample once.</summary>
    public static OnlineStream Shuffled(ModelOutputs tiny, ModelOutputs large, int seed)
    {
        var order = Enumerable.Range(0, tiny.Count).ToArray();
        new Random(seed).Shuffle(order);
        return From(tiny, large, order);
    }

    /// <summary><paramref name="count"/> samples drawn with replacement: arbitrarily long stationary streams from one test set.</summary>
    public OnlineStream Resample(int count, int seed)
    {
        var random = new Random(seed);
        var order = new int[count];
        for (var t = 0; t < count; t++)
            order[t] = random.Next(Count);
        return Select(order);
    }

    /// <summary>This stream followed by <paramref name="next"/>: a step change at index <see cref="Count"/>.</summary>
    public OnlineStream Then(OnlineStream next) => new(
        [.. Confidence, .. next.Confidence], [.. TinyWrongVsLarge, .. next.TinyWrongVsLarge],
        [.. TinyWrongVsLabel, .. next.TinyWrongVsLabel], [.. LargeWrong, .. next.LargeWrong]);

    /// <summary>Samples [start, start + length).</summary>
    public OnlineStream Slice(int start, int length) => Select([.. Enumerable.Range(start, length)]);

    /// <summary>Whether the tiny answer counts as wrong under this feedback: against the label, or against the large model.</summary>
    public bool[] TinyWrong(FeedbackMode mode) => mode == FeedbackMode.Labels ? TinyWrongVsLabel : TinyWrongVsLarge;

    private OnlineStream Select(int[] order) => new(
        [.. order.Select(i => Confidence[i])], [.. order.Select(i => TinyWrongVsLarge[i])],
        [.. order.Select(i => TinyWrongVsLabel[i])], [.. order.Select(i => LargeWrong[i])]);
}
