using System.Buffers.Binary;

namespace HiPortal.Cli.Simulate;

/// <summary>
/// The vibration pair's drifts, on INT16 windows (little-endian, as the wire carries them), as step changes half-way
/// through the run at half the full strength, like the image steps. <see cref="DriftKind.SpeedStep"/>: the machine runs
/// slower, so the window is time-stretched (resampled by linear interpolation) and every shaft and fault frequency
/// falls by the same factor. <see cref="DriftKind.LoadStep"/>: a heavier load, so the vibration is stronger and its
/// amplitude modulation (the load's once-per-revolution swing) deeper.
/// </summary>
public static class VibrationDrift
{
    /// <summary>Fractional speed drop at full strength (the step's half strength: 20 % slower).</summary>
    public const double MaxSpeedDrop = 0.4;

    /// <summary>Extra gain at full strength (half strength: × 1.6).</summary>
    public const double MaxExtraGain = 1.2;

    /// <summary>Amplitude-modulation depth at full strength (half strength: ±30 %), cycles per window.</summary>
    public const double MaxModulationDepth = 0.6;

    public const double ModulationCycles = 3;

    public static bool Handles(DriftKind kind) => kind is DriftKind.SpeedStep or DriftKind.LoadStep;

    /// <param name="progress">Run progress in [0, 1].</param>
    public static byte[] Apply(ReadOnlySpan<byte> window, DriftKind kind, double progress)
    {
        var result = window.ToArray();
        var level = Drift.StepLevel(Math.Clamp(progress, 0, 1));
        if (level == 0 || !Handles(kind))
            return result;

        var samples = window.Length / sizeof(short);
        var source = new double[samples];
        for (var i = 0; i < samples; i++)
            source[i] = BinaryPrimitives.ReadInt16LittleEndian(window[(2 * i)..]);
        for (var i = 0; i < samples; i++)
        {
            var value = kind == DriftKind.SpeedStep
                ? Interpolate(source, i * (1 - (MaxSpeedDrop * level)))
                : source[i] * (1 + (MaxExtraGain * level)) * (1 + (MaxModulationDepth * level * Math.Sin(2 * Math.PI * ModulationCycles * i / samples)));
            BinaryPrimitives.WriteInt16LittleEndian(result.AsSpan(2 * i), (short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue));
        }

        return result;
    }

    // A slower machine covers less of the signal per window: position < i, so it never runs past the end.
    private static double Interpolate(double[] source, double position)
    {
        var left = (int)position;
        var right = Math.Min(left + 1, source.Length - 1);
        var fraction = position - left;
        return (source[left] * (1 - fraction)) + (source[right] * fraction);
    }
}
