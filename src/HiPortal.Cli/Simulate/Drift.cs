namespace HiPortal.Cli.Simulate;

/// <summary>How the simulated sensors degrade over the run.</summary>
public enum DriftKind
{
    None,
    Noise,
    Brightness,

    /// <summary>No noise for the first half of the run, then Gaussian noise at half the full strength (a step change).</summary>
    NoiseStep,

    /// <summary>Unchanged for the first half of the run, then a brightness offset at half the full strength.</summary>
    BrightnessStep,

    /// <summary>Vibration (INT16): from half-way the machine runs 20 % slower (the window is time-stretched).</summary>
    SpeedStep,

    /// <summary>Vibration (INT16): from half-way a heavier load (× 1.6 amplitude, ±30 % amplitude modulation).</summary>
    LoadStep,
}

/// <summary>
/// Distorts an image by an amount that rises linearly from nothing at the start of the run to the full
/// strength at its end: Gaussian sensor noise, or a brightness offset (an exposure drift). The step kinds change
/// at once, half-way through the run, to half the full strength: what a drift detector must catch.
/// </summary>
public static class Drift
{
    /// <summary>Noise standard deviation, in grey levels, at the end of the run.</summary>
    public const double MaxNoiseSigma = 48;

    /// <summary>Brightness offset, in grey levels, at the end of the run.</summary>
    public const double MaxBrightness = 64;

    /// <param name="progress">Run progress in [0, 1].</param>
    public static byte[] Apply(ReadOnlySpan<byte> image, DriftKind kind, double progress, Random random)
    {
        if (VibrationDrift.Handles(kind))
            return VibrationDrift.Apply(image, kind, progress);

        var result = image.ToArray();
        progress = Math.Clamp(progress, 0, 1);
        if (kind is DriftKind.NoiseStep or DriftKind.BrightnessStep)
        {
            (kind, progress) = (kind == DriftKind.NoiseStep ? DriftKind.Noise : DriftKind.Brightness, StepLevel(progress));
            if (progress == 0)
                return result;
        }

        switch (kind)
        {
            case DriftKind.Noise:
                var sigma = MaxNoiseSigma * progress;
                for (var i = 0; i < result.Length; i++)
                    result[i] = Clamp(result[i] + (sigma * Gaussian(random)));
                break;
            case DriftKind.Brightness:
                var offset = MaxBrightness * progress;
                for (var i = 0; i < result.Length; i++)
                    result[i] = Clamp(result[i] + offset);
                break;
        }

        return result;
    }

    /// <summary>The step kinds' strength: 0 before the change at <see cref="StepAt"/> of the run, 0.5 from it on.</summary>
    public static double StepLevel(double progress) => progress < StepAt ? 0 : 0.5;

    /// <summary>Where in the run the step kinds change.</summary>
    public const double StepAt = 0.5;

    private static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);

    private static double Gaussian(Random random)
    {
        // Box–Muller; 1 − u keeps the logarithm finite.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
