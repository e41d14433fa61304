using HiPortal.Core.Decisions;

namespace HiPortal.Core.Inference;

/// <summary>A model's class scores as probabilities, whichever its card says the graph gives.</summary>
public static class Scores
{
    public static void ToProbabilities(ModelSignature signature, ReadOnlySpan<float> scores, Span<float> probabilities)
    {
        if (signature.ScoresAreProbabilities)
            scores[..signature.ClassCount].CopyTo(probabilities);
        else
            Probabilities.Softmax(scores[..signature.ClassCount], probabilities);
    }
}
