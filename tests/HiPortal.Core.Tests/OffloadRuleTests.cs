using HiPortal.Core.Decisions;

namespace HiPortal.Core.Tests;

public class OffloadRuleTests
{
    [Fact]
    public void MaxSoftmax_OffloadsOnlyBelowThreshold()
    {
        var rule = new MaxSoftmaxRule(0.7);

        Assert.True(rule.ShouldOffload([0.69f, 0.31f]));
        Assert.False(rule.ShouldOffload([0.2f, 0.8f]));
        Assert.Equal(0.8, rule.Score([0.2f, 0.8f]), 6);
        Assert.Equal("max-softmax", rule.Name);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void MaxSoftmax_RejectsThresholdOutsideUnitInterval(double threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxSoftmaxRule(threshold));
    }

    [Fact]
    public void Top2Logistic_ScoresSigmoidOfLinearCombination()
    {
        var rule = new Top2LogisticRule(-1, 4, -2);

        // z = -1 + 4*0.75 - 2*0.25 = 1.5; sigmoid(1.5) = 0.8175745.
        Assert.Equal(0.8175745, rule.Score([0.75f, 0.25f]), 6);
        Assert.False(rule.ShouldOffload([0.75f, 0.25f]));
        // z = -1 + 4*0.4 - 2*0.35 = -0.1 → 0.475 < 0.5.
        Assert.True(rule.ShouldOffload([0.4f, 0.35f, 0.25f]));
    }

    [Fact]
    public void Top2Logistic_RejectsNaNCoefficient()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Top2LogisticRule(0, double.NaN, 1));
        Assert.Equal("W1", error.ParamName);
    }

    [Fact]
    public void Fit_OnSeparableData_GivesConfidentCorrectAboveHalfAndConfusedBelow()
    {
        var random = new Random(3);
        var features = new List<(float, float)>();
        var correct = new List<bool>();
        for (var i = 0; i < 5000; i++)
        {
            var right = i % 2 == 0;
            var p1 = right ? 0.8f + (0.2f * random.NextSingle()) : 0.3f + (0.2f * random.NextSingle());
            var p2 = right ? (1 - p1) * random.NextSingle() : (1 - p1) * (0.6f + (0.4f * random.NextSingle()));
            features.Add((p1, p2));
            correct.Add(right);
        }

        var rule = Top2LogisticRule.Fit(features, correct);

        Assert.All(rule.Coefficients, c => Assert.True(double.IsFinite(c)));
        Assert.True(rule.Score(0.95, 0.03) > 0.5);
        Assert.True(rule.Score(0.4, 0.35) < 0.5);
        var misclassified = features.Where((f, i) => rule.Score(f.Item1, f.Item2) >= 0.5 != correct[i]).Count();
        Assert.Equal(0, misclassified);
    }

    [Fact]
    public void Fit_OnLogisticData_RecoversGeneratingCoefficients()
    {
        // Labels drawn from sigmoid(-4 + 8 p1 - 3 p2): a well-specified model the fit should recover.
        var random = new Random(11);
        var features = new List<(float, float)>();
        var correct = new List<bool>();
        for (var i = 0; i < 5000; i++)
        {
            var p1 = 0.2f + (0.8f * random.NextSingle());
            var p2 = (1 - p1) * random.NextSingle();
            var s = 1 / (1 + Math.Exp(-(-4 + (8 * p1) - (3 * p2))));
            features.Add((p1, p2));
            correct.Add(random.NextDouble() < s);
        }

        var rule = Top2LogisticRule.Fit(features, correct, l2: 1e-6);

        Assert.InRange(rule.Bias, -5, -3);
        Assert.InRange(rule.W1, 6.5, 9.5);
        Assert.InRange(rule.W2, -5, -1);
    }

    [Fact]
    public void Fit_WhenTinyIsAlwaysRight_GivesFiniteCoefficientsAndHighScore()
    {
        var features = Enumerable.Range(0, 100).Select(i => (0.5f + (i / 200f), 0.1f)).ToList();
        var correct = Enumerable.Repeat(true, 100).ToList();

        var rule = Top2LogisticRule.Fit(features, correct);

        Assert.All(rule.Coefficients, c => Assert.True(double.IsFinite(c)));
        Assert.True(rule.Score(0.7, 0.1) > 0.9);
    }

    [Fact]
    public void Fit_RejectsNaNFeature()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Top2LogisticRule.Fit([(0.9f, 0.05f), (float.NaN, 0.1f)], [true, false]));
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BuildsEachKnownRule()
    {
        var maxSoftmax = OffloadRules.Create("max-softmax", 0.6, null);
        var logistic = OffloadRules.Create("TOP2-LR", 0.4, [1, 2, 3]);

        Assert.Equal(new MaxSoftmaxRule(0.6), maxSoftmax);
        Assert.Equal(new Top2LogisticRule(1, 2, 3, 0.4), logistic);
        Assert.Equal(["max-softmax", "top2-lr"], OffloadRules.KnownNames);
    }

    [Fact]
    public void Create_WithUnknownName_ListsKnownRules()
    {
        var error = Assert.Throws<ArgumentException>(() => OffloadRules.Create("entropy", 0.5, null));
        Assert.Contains("'entropy'", error.Message, StringComparison.Ordinal);
        Assert.Contains("max-softmax, top2-lr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Top2WithoutThreeCoefficients_SaysHowManyItGot()
    {
        var error = Assert.Throws<ArgumentException>(() => OffloadRules.Create("top2-lr", 0.5, [1, 2]));
        Assert.Contains("got 2", error.Message, StringComparison.Ordinal);
        Assert.Equal("coefficients", error.ParamName);
    }
}
