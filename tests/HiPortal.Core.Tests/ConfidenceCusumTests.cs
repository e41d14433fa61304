using HiPortal.Core.Drift;

namespace HiPortal.Core.Tests;

public class ConfidenceCusumTests
{
    [Fact]
    public void StationaryStream_RaisesNoAlarm_AndAShiftOfTheMeanIsFoundWithinAFewBlocks()
    {
        var random = new Random(1);
        var detector = new ConfidenceCusum();
        for (var t = 0; t < 50_000; t++)
            Assert.False(detector.Observe(0.5 + (0.4 * random.NextDouble())), $"false alarm at {t}");

        // σ of a uniform on [0.5, 0.9] is 0.115, so a block of 100 has σ 0.0115: a 0.05 drop is about 4 block σ.
        var found = -1;
        for (var t = 0; t < 2_000 && found < 0; t++)
        {
            if (detector.Observe(0.45 + (0.4 * random.NextDouble())))
                found = t;
        }

        Assert.InRange(found, 0, 600);
        Assert.True(detector.Lower > detector.H);
    }

    [Fact]
    public void Restart_WarmsUpAgain_BeforeJudgingAnyBlock()
    {
        var detector = new ConfidenceCusum(blockSize: 10, warmupBlocks: 5);
        for (var t = 0; t < 50; t++)
            detector.Observe(0.9 + (0.01 * (t % 2)));
        Assert.False(detector.WarmingUp);

        detector.Restart();

        Assert.True(detector.WarmingUp);
        for (var t = 0; t < 49; t++)
            Assert.False(detector.Observe(0.1)); // a new level is the new reference, not an alarm
        Assert.Equal(0, detector.Upper + detector.Lower);
    }
}
