using System.Buffers.Binary;
using HiPortal.Cli.Simulate;

namespace HiPortal.Cli.Tests;

/// <summary>The vibration pair's simulated drifts on a known INT16 window: unchanged before half-way, then slower or heavier.</summary>
public class VibrationDriftTests
{
    private const int Samples = 1024;
    private const int Period = 32;

    [Fact]
    public void SpeedStep_LeavesTheFirstHalfAlone_ThenStretchesTheWindowSoItsFrequencyFallsBy20Percent()
    {
        var window = Sine(amplitude: 8000);

        var before = Drift.Apply(window, DriftKind.SpeedStep, 0.49, new Random(1));
        var after = Drift.Apply(window, DriftKind.SpeedStep, 0.5, new Random(1));

        Assert.Equal(window, before);
        Assert.Equal(ZeroCrossings(window) * 0.8, ZeroCrossings(after), 2.0);
        Assert.Equal(Rms(window), Rms(after), 0.05 * Rms(window));
    }

    [Fact]
    public void LoadStep_LeavesTheFirstHalfAlone_ThenRaisesTheAmplitudeAndModulatesIt()
    {
        var window = Sine(amplitude: 8000);

        var before = Drift.Apply(window, DriftKind.LoadStep, 0.2, new Random(1));
        var after = Drift.Apply(window, DriftKind.LoadStep, 0.9, new Random(1));

        Assert.Equal(window, before);
        Assert.Equal(ZeroCrossings(window), ZeroCrossings(after));
        Assert.InRange(Rms(after) / Rms(window), 1.55, 1.70);
        Assert.InRange(Peak(after), 1.9 * 8000, short.MaxValue);
    }

    [Fact]
    public void LoadStep_SaturatesAtTheInt16Range_InsteadOfWrappingAround()
    {
        var window = Sine(amplitude: 30000);

        var after = Drift.Apply(window, DriftKind.LoadStep, 1, new Random(1));

        Assert.True(Peak(after) >= short.MaxValue);
        Assert.Equal(Values(window).Select(Math.Sign), Values(after).Select(Math.Sign));
    }

    private static byte[] Sine(double amplitude)
    {
        var bytes = new byte[Samples * 2];
        for (var i = 0; i < Samples; i++)
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * (i + 0.5) / Period)));
        return bytes;
    }

    private static short[] Values(byte[] bytes) =>
        [.. Enumerable.Range(0, bytes.Length / 2).Select(i => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i)))];

    private static int ZeroCrossings(byte[] bytes)
    {
        var v = Values(bytes);
        return Enumerable.Range(1, v.Length - 1).Count(i => Math.Sign(v[i]) != Math.Sign(v[i - 1]) && v[i] != 0);
    }

    private static double Rms(byte[] bytes) => Math.Sqrt(Values(bytes).Average(x => (double)x * x));

    private static int Peak(byte[] bytes) => Values(bytes).Max(x => Math.Abs((int)x));
}
