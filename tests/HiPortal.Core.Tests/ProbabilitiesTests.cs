using HiPortal.Core.Decisions;

namespace HiPortal.Core.Tests;

public class ProbabilitiesTests
{
    [Fact]
    public void Softmax_OfOrdinaryLogits_SumsToOneAndMatchesDefinition()
    {
        float[] logits = [1f, 2f, 3f];
        var p = new float[3];

        Probabilities.Softmax(logits, p);

        // e^1, e^2, e^3 over their sum 30.1928: 0.0900306, 0.2447285, 0.6652410.
        Assert.Equal(0.0900306, p[0], 5);
        Assert.Equal(0.2447285, p[1], 5);
        Assert.Equal(0.6652410, p[2], 5);
        Assert.Equal(1.0, p.Sum(), 5);
    }

    [Fact]
    public void Softmax_OfHugeLogits_StaysFiniteAndSumsToOne()
    {
        float[] logits = [1000f, 999f, -1000f, 50f];
        var p = new float[4];

        Probabilities.Softmax(logits, p);

        Assert.All(p, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1.0, p.Sum(), 5);
        // 1000 vs 999 is a 1-logit gap: 1/(1+e^-1) = 0.7310586.
        Assert.Equal(0.7310586, p[0], 5);
        Assert.Equal(0f, p[2]);
    }

    [Fact]
    public void Softmax_WithShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => Probabilities.Softmax([1f, 2f], new float[1]));
    }

    [Fact]
    public void Top2_ReturnsArgmaxAndTwoLargest()
    {
        var top = Probabilities.Top2([0.1f, 0.6f, 0.05f, 0.25f]);

        Assert.Equal(new Top2(1, 0.6f, 0.25f), top);
    }

    [Fact]
    public void Top2_WhenMaximumIsFirst_StillFindsRunnerUp()
    {
        var top = Probabilities.Top2([0.7f, 0.1f, 0.2f]);

        Assert.Equal(new Top2(0, 0.7f, 0.2f), top);
    }

    [Fact]
    public void Top2_OfEmptyInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => Probabilities.Top2([]));
    }
}
