using System.Globalization;
using HiPortal.Core.Drift;

namespace HiPortal.Server.Alarms;

/// <summary>
/// One fleet's drift statistic over the offloads the server stores, in arrival order: a CUSUM on the devices' local
/// confidence of offloaded samples and one on the large model's agreement with the tiny model (0/1). Either firing is a
/// detection; both then restart, learn the new regime as their reference, and once that has held for as long again
/// (<see cref="Settled"/>) the fleet's drift alarm may clear.
/// </summary>
public sealed class FleetDriftDetector(DriftOptions options)
{
    private readonly ConfidenceCusum _confidence = new(options.BlockSize, options.WarmupBlocks, options.K, options.H);
    private readonly ConfidenceCusum _agreement = new(options.BlockSize, options.WarmupBlocks, options.K, options.H, options.AgreementMinDeviation);
    private readonly long _settleAfter = 2L * options.BlockSize * options.WarmupBlocks;
    private long _sinceDetection;

    public bool Detected { get; private set; }

    /// <summary>Detected earlier, and the re-learned reference has since held without another detection.</summary>
    public bool Settled => Detected && _sinceDetection >= _settleAfter;

    /// <summary>Adds one offload; returns what fired (for the alarm's detail) when this one completes a detection.</summary>
    public string? Observe(double localConfidence, bool agrees)
    {
        _sinceDetection++;
        var confidence = _confidence.Observe(localConfidence);
        var agreement = _agreement.Observe(agrees ? 1 : 0);
        if (!confidence && !agreement)
        {
            return null;
        }

        var what = confidence
            ? Describe("local confidence of offloads", _confidence)
            : Describe("local/large agreement", _agreement);
        _confidence.Restart();
        _agreement.Restart();
        _sinceDetection = 0;
        Detected = true;
        return what;
    }

    /// <summary>The clear was recorded: a later settle is not another one.</summary>
    public void Acknowledge() => Detected = false;

    private static string Describe(string stream, ConfidenceCusum cusum) => string.Create(CultureInfo.InvariantCulture,
        $"CUSUM on {stream}: S+ = {cusum.Upper:0.0}, S- = {cusum.Lower:0.0} (h = {cusum.H}, k = {cusum.K}, blocks of {cusum.BlockSize})");
}
