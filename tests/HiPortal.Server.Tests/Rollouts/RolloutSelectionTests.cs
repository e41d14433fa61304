using HiPortal.Server.Rollouts;

namespace HiPortal.Server.Tests.Rollouts;

/// <summary>Which devices a stage changes: deterministic, even, cumulative, and different per rollout.</summary>
public sealed class RolloutSelectionTests
{
    private static readonly List<string> s_ids = Enumerable.Range(0, 2000).Select(i => $"dev_{i:x8}").ToList();

    [Fact]
    public void LargerStages_AreSupersetsOfSmallerOnes_AndTheChoiceIsTheSameEveryTime()
    {
        var canary = RolloutSelection.Choose("salt-a", s_ids, 5);
        var wider = RolloutSelection.Choose("salt-a", s_ids, 25);

        Assert.Equal((100, 500), (canary.Count, wider.Count));
        Assert.Subset(wider.ToHashSet(), canary.ToHashSet());
        Assert.Equal(canary, RolloutSelection.Choose("salt-a", Enumerable.Reverse(s_ids), 5));
    }

    [Fact]
    public void TheCanary_IsSpreadEvenly_AndAnotherSaltPicksOtherDevices()
    {
        var canary = RolloutSelection.Choose("salt-a", s_ids, 10).Select(id => s_ids.IndexOf(id)).ToList();
        // Registration order does not decide: each tenth of the id range holds about a tenth of the canary.
        var perDecile = canary.GroupBy(i => i / 200).Select(g => g.Count()).ToList();
        Assert.Equal(10, perDecile.Count);
        Assert.All(perDecile, n => Assert.InRange(n, 8, 35));
        var other = RolloutSelection.Choose("salt-b", s_ids, 10);
        Assert.InRange(other.Intersect(canary.Select(i => s_ids[i])).Count(), 0, 60);
    }

    [Theory]
    [InlineData(5, 20, 1)]
    [InlineData(25, 20, 5)]
    [InlineData(100, 20, 20)]
    [InlineData(5, 3, 1)]
    [InlineData(33.4, 3, 2)]
    [InlineData(50, 0, 0)]
    public void Count_RoundsUp_AndNeverLeavesAStageEmpty(double percent, int total, int expected) =>
        Assert.Equal(expected, RolloutSelection.Count(percent, total));
}
