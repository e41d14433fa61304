using HiPortal.Cli.Simulate;

namespace HiPortal.Cli.Tests;

public class DriftStepTests
{
    private static readonly byte[] s_image = [.. Enumerable.Range(0, 784).Select(i => (byte)(i % 200))];

    [Theory]
    [InlineData(DriftKind.NoiseStep)]
    [InlineData(DriftKind.BrightnessStep)]
    public void StepDrift_LeavesImagesUntouchedBeforeHalfWay_AndDistortsThemAfter(DriftKind kind)
    {
        Assert.Equal(s_image, Drift.Apply(s_image, kind, 0.49, new Random(1)));
        Assert.NotEqual(s_image, Drift.Apply(s_image, kind, 0.5, new Random(1)));
    }

    [Fact]
    public void BrightnessStep_AfterTheChange_IsHalfTheFullOffsetAndDoesNotGrow()
    {
        var early = Drift.Apply(s_image, DriftKind.BrightnessStep, 0.5, new Random(1));
        var late = Drift.Apply(s_image, DriftKind.BrightnessStep, 1, new Random(1));

        Assert.Equal(early, late);
        Assert.Equal(Math.Min(255, s_image[10] + (Drift.MaxBrightness / 2)), late[10]);
    }
}
