namespace HiPortal.Core.Drift;

/// <summary>
/// A per-fleet drift detector on the local-confidence stream (every sample's confidence reaches the server in
/// telemetry, offloaded or not): a two-sided CUSUM on standardised block means.
/// </summary>
/// <remarks>
/// Statistic: the confidences are grouped in blocks of <see cref="BlockSize"/>; the first <see cref="WarmupBlocks"/>
/// blocks after a (re)start estimate the reference mean μ₀ and per-sample deviation σ. For each later block with
/// mean x̄, z = (x̄ − μ₀)/(σ/√B), S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k), and an alarm is raised when
/// S⁺ or S⁻ exceeds h. With k = 0.5 and h = 10 a Gaussian z gives an in-control run length (ARL₀) of about
/// 2·10⁵ blocks per side by Siegmund's approximation, and a shift of δ standard deviations is found after about
/// (h + 1.166)/(δ − k) blocks. Measured here (tests, Fashion-MNIST tiny model, streams drawn with replacement from
/// the test set): no alarm in 100 drift-free runs of 20,000 samples; half-strength Gaussian noise or brightness
/// drift found within 100–200 samples. The monitored quantity is the mean confidence, so a drift that leaves the
/// confidence distribution's mean unchanged goes unseen; agreement of offloaded samples is no substitute as
/// long as a learner is moving θ, since θ itself changes which samples are offloaded.
/// </remarks>
public sealed class ConfidenceCusum(int blockSize = 50, int warmupBlocks = 20, double k = 0.5, double h = 10)
{
    private double _sum;
    private double _sumOfSquares;
    private long _warmupSamples;
    private double _blockSum;
    private int _blockCount;
    private double _mean;
    private double _blockDeviation;

    public int BlockSize { get; } = blockSize > 0 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize));

    public int WarmupBlocks { get; } = warmupBlocks > 1 ? warmupBlocks : throw new ArgumentOutOfRangeException(nameof(warmupBlocks));

    public double K { get; } = k >= 0 ? k : throw new ArgumentOutOfRangeException(nameof(k));

    public double H { get; } = h > 0 ? h : throw new ArgumentOutOfRangeException(nameof(h));

    /// <summary>S⁺: evidence that confidence has risen.</summary>
    public double Upper { get; private set; }

    /// <summary>S⁻: evidence that confidence has fallen.</summary>
    public double Lower { get; private set; }

    public bool WarmingUp => _warmupSamples < (long)BlockSize * WarmupBlocks;

    /// <summary>Adds one sample's confidence; true when this sample completes a block that raises the alarm.</summary>
    public bool Observe(double confidence)
    {
        if (WarmingUp)
        {
            _sum += confidence;
            _sumOfSquares += confidence * confidence;
            if (++_warmupSamples == (long)BlockSize * WarmupBlocks)
            {
                _mean = _sum / _warmupSamples;
                var variance = Math.Max(0, (_sumOfSquares / _warmupSamples) - (_mean * _mean));
                _blockDeviation = Math.Max(Math.Sqrt(variance / BlockSize), 1e-9);
            }

            return false;
        }

        _blockSum += confidence;
        if (++_blockCount < BlockSize)
            return false;

        var z = ((_blockSum / BlockSize) - _mean) / _blockDeviation;
        (_blockSum, _blockCount) = (0, 0);
        Upper = Math.Max(0, Upper + z - K);
        Lower = Math.Max(0, Lower - z - K);
        return Upper > H || Lower > H;
    }

    /// <summary>Forgets the reference: the next <see cref="WarmupBlocks"/> blocks estimate it again (after an alarm).</summary>
    public void Restart()
    {
        (_sum, _sumOfSquares, _warmupSamples, _blockSum, _blockCount) = (0, 0, 0, 0, 0);
        (Upper, Lower) = (0, 0);
    }
}
