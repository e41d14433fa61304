using HiPortal.Server.Rollouts;

namespace HiPortal.Server.Tests.Rollouts;

/// <summary>Gate evaluation: acks first, then soak and samples, then every HI signal in its band.</summary>
public sealed class RolloutHealthTests
{
    private static readonly RolloutStage s_stage = new(5, MinSoakSeconds: 60, MinSamples: 100);
    private static readonly RolloutGates s_gates = new(0.05, 0.4, MinAgreement: 0.8, MinAccuracy: 0.7, MaxErrorRate: 0.1, AckTimeoutSeconds: 120);
    private static readonly HealthCounts s_healthy = new(Devices: 2, Applied: 2, Rejected: 0, Samples: 1000, Offloaded: 200, Dropped: 0,
        Decisions: 200, Agreements: 180, Labelled: 100, Correct: 90);

    private static RolloutHealth Evaluate(HealthCounts counts, double ageSeconds = 90) =>
        RolloutHealth.Evaluate(DateTime.UnixEpoch, 0, s_stage, s_gates, counts, TimeSpan.FromSeconds(ageSeconds));

    [Fact]
    public void HealthyStage_PassesOnceSoakedAndSampled() =>
        Assert.Equal((GateStatus.Pass, null), (Evaluate(s_healthy).Verdict, Evaluate(s_healthy).Failure));

    [Theory]
    [InlineData(30, 1000)]
    [InlineData(90, 99)]
    public void UnsoakedOrUndersampledStage_IsPending_EvenWithABadSignal(double age, long samples)
    {
        var health = Evaluate(s_healthy with { Samples = samples, Offloaded = 0 }, age);
        Assert.Equal(GateStatus.Pending, health.Verdict);
    }

    [Fact]
    public void OffloadRateOutsideItsBand_Fails_AndSaysWhich()
    {
        var health = Evaluate(s_healthy with { Offloaded = 0, Decisions = 0, Agreements = 0, Labelled = 0, Correct = 0 });
        Assert.Equal(GateStatus.Fail, health.Verdict);
        Assert.Equal("offload rate 0 outside [0.05, 0.4]", health.Failure);
        Assert.Equal(GateStatus.NotApplicable, health.Gates.Single(g => g.Gate == "agreement").Status);
    }

    [Theory]
    [InlineData("agreement", 150, 90, 0)]
    [InlineData("accuracy", 180, 60, 0)]
    [InlineData("error rate", 180, 90, 50)]
    public void LowAgreementAccuracyOrManyDrops_Fail(string gate, long agreements, long correct, long dropped)
    {
        var health = Evaluate(s_healthy with { Agreements = agreements, Correct = correct, Dropped = dropped });
        Assert.Equal(GateStatus.Fail, health.Verdict);
        Assert.StartsWith(gate, health.Failure);
    }

    [Fact]
    public void ARejectedAck_FailsAtOnce_AndAMissingOneOnlyAfterTheAckTimeout()
    {
        Assert.Equal(GateStatus.Fail, Evaluate(s_healthy with { Applied = 1, Rejected = 1 }, ageSeconds: 1).Verdict);
        Assert.Equal(GateStatus.Pending, Evaluate(s_healthy with { Applied = 1 }, ageSeconds: 100).Verdict);
        Assert.Equal(GateStatus.Fail, Evaluate(s_healthy with { Applied = 1 }, ageSeconds: 121).Verdict);
    }
}
