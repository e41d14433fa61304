using HiPortal.Core.Decisions;
using HiPortal.Core.Inference;

namespace HiPortal.Core.Evaluation;

/// <summary>A model's softmax outputs over a labelled set, with the per-sample facts HI needs.</summary>
public sealed class ModelOutputs
{
    private readonly float[] _probabilities;
    private readonly byte[] _labels;

    private ModelOutputs(float[] probabilities, byte[] labels)
    {
        _probabilities = probabilities;
        _labels = labels;
    }

    public int Count => _labels.Length;

    public static ModelOutputs FromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels)
    {
        const int k = OnnxClassifier.ClassCount;
        if (logits.Length != labels.Length * k)
        {
            throw new ArgumentException($"{logits.Length} logits for {labels.Length} labels");
        }

        var probabilities = new float[logits.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            Probabilities.Softmax(logits.Slice(i * k, k), probabilities.AsSpan(i * k, k));
        }

        return new ModelOutputs(probabilities, labels.ToArray());
    }

    public ReadOnlySpan<float> ProbabilitiesOf(int index) =>
        _probabilities.AsSpan(index * OnnxClassifier.ClassCount, OnnxClassifier.ClassCount);

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
