using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;

namespace HiPortal.Core.Evaluation;

/// <summary>A model's softmax outputs over a labelled set, with the per-sample facts HI needs.</summary>
public sealed class ModelOutputs
{
    private readonly float[] _probabilities;
    private readonly byte[] _labels;

    private ModelOutputs(float[] probabilities, byte[] labels, int classCount)
    {
        _probabilities = probabilities;
        _labels = labels;
        ClassCount = classCount;
    }

    public int ClassCount { get; }

    public int Count => _labels.Length;

    /// <summary>A model's raw outputs as its card describes them: logits (softmaxed here) or probabilities.</summary>
    public static ModelOutputs FromScores(ReadOnlySpan<float> scores, ReadOnlySpan<byte> labels, ModelSignature signature)
    {
        if (!signature.ScoresAreProbabilities)
            return FromLogits(scores, labels, signature.ClassCount);
        if (scores.Length != labels.Length * signature.ClassCount)
            throw new ArgumentException($"{scores.Length} scores for {labels.Length} labels");
        return new ModelOutputs(scores.ToArray(), labels.ToArray(), signature.ClassCount);
    }

    /// <param name="classCount">Scores per sample: the model signature's class count.</param>
    public static ModelOutputs FromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels, int classCount)
    {
        var k = classCount;
        if (logits.Length != labels.Length * k)
        {
            throw new ArgumentException($"{logits.Length} logits for {labels.Length} labels");
        }

        var probabilities = new float[logits.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            Probabilities.Softmax(logits.Slice(i * k, k), probabilities.AsSpan(i * k, k));
        }

        return new ModelOutputs(probabilities, labels.ToArray(), k);
    }

    public ReadOnlySpan<float> ProbabilitiesOf(int index) =>
        _probabilities.AsSpan(index * ClassCount, ClassCount);

    public byte Label(int index) => _labels[index];

    public int Predicted(int index) => Probabilities.Top2(ProbabilitiesOf(index)).Class;

    public bool Correct(int index) => Predicted(index) == _labels[index];

    public double Accuracy()
    {
        var correct = 0;
        for (var i = 0; i < Count; i++)
        {
            correct += Correct(i) ? 1 : 0;
        }

        return Count == 0 ? 0 : (double)correct / Count;
    }

    public double[] Scores(IOffloadRule rule)
    {
        var scores = new double[Count];
        for (var i = 0; i < Count; i++)
        {
            scores[i] = rule.Score(ProbabilitiesOf(i));
        }

        return scores;
    }

    public bool[] CorrectFlags()
    {
        var flags = new bool[Count];
        for (var i = 0; i < Count; i++)
        {
            flags[i] = Correct(i);
        }

        return flags;
    }
}
