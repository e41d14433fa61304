namespace HiPortal.Core.Decisions;

/// <summary>Turns a classifier's logits into the probabilities the offload rules read.</summary>
public static class Probabilities
{
    /// <summary>Writes softmax(<paramref name="logits"/>) into <paramref name="destination"/>.</summary>
    /// <remarks>Subtracts the largest logit first so that large logits cannot overflow <c>exp</c>.</remarks>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        if (logits.IsEmpty)
            throw new ArgumentException("At least one logit is required.", nameof(logits));
        if (destination.Length < logits.Length)
            throw new ArgumentException($"Destination holds {destination.Length} values; {logits.Length} are needed.", nameof(destination));

        var max = logits[0];
        for (var i = 1; i < logits.Length; i++)
            max = Math.Max(max, logits[i]);

        // Summing in double keeps the normalisation exact enough for 10 classes and for thousands.
        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            var e = MathF.Exp(logits[i] - max);
            destination[i] = e;
            sum += e;
        }

        var scale = (float)(1.0 / sum);
        for (var i = 0; i < logits.Length; i++)
            destination[i] *= scale;
    }

    /// <summary>Finds the most probable class and the two largest probabilities.</summary>
    /// <remarks>With a single class, <see cref="Decisions.Top2.P2"/> is 0. Ties go to the lower class index.</remarks>
    public static Top2 Top2(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.IsEmpty)
            throw new ArgumentException("At least one probability is required.", nameof(probabilities));

        var best = 0;
        var p1 = probabilities[0];
        var p2 = 0f;
        for (var i = 1; i < probabilities.Length; i++)
        {
            var p = probabilities[i];
            if (p > p1)
            {
                p2 = p1;
                p1 = p;
                best = i;
            }
            else if (p > p2)
            {
                p2 = p;
            }
        }

        return new Top2(best, p1, p2);
    }
}
