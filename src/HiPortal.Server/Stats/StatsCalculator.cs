using HiPortal.Core.Evaluation;
using HiPortal.Core.Savings;

namespace HiPortal.Server.Stats;

/// <summary>Turns additive counts into rates, means and the savings model's estimates.</summary>
public static class StatsCalculator
{
    // Response size and the server time used when a fleet has no measured offloads: Core's costing defaults.
    private static readonly EvaluationSettings s_defaults = new();

    /// <param name="parts">Counts per fleet (one bucket or the whole window).</param>
    /// <param name="profiles">Device profile and sample size of each fleet; a fleet without a known profile is not costed.</param>
    /// <param name="serverTimeFallback">Per-fleet window totals, whose server times stand in for a bucket without offloads.</param>
    public static StatsFigures Figures(IReadOnlyDictionary<string, StatsCounts> parts, FleetCosts profiles,
        IReadOnlyDictionary<string, StatsCounts>? serverTimeFallback = null)
    {
        var c = new StatsCounts();
        var fullOffloadBytes = 0L;
        foreach (var (fleet, part) in parts)
        {
            c.Add(part);
            fullOffloadBytes += part.Samples * (long)profiles.SampleBytesOf(fleet);
        }

        var savings = Savings(parts, profiles, serverTimeFallback);
        return new StatsFigures
        {
            Samples = c.Samples,
            DecidedLocally = c.DecidedLocally,
            Offloaded = c.Offloaded,
            Dropped = c.Dropped,
            OffloadRate = Ratio(c.Offloaded, c.Samples),
            OffloadsReceived = c.OffloadsReceived,
            AgreementRate = Ratio(c.Agreements, c.OffloadsReceived),
            Labelled = c.Labelled,
            ServerAccuracyOnOffloads = Ratio(c.ServerCorrect, c.Labelled),
            LocalAccuracyOnOffloads = Ratio(c.LocalCorrect, c.Labelled),
            BytesSent = c.BytesSent,
            BytesFullOffload = fullOffloadBytes,
            BandwidthSavedFraction = fullOffloadBytes > 0 ? 1 - ((double)c.BytesSent / fullOffloadBytes) : null,
            MeanOffloadRttMs = Ratio(c.OffloadRttMicrosSum, c.OffloadRttCount * 1000.0),
            MeanQueueMs = Ratio(c.QueueMicros, c.OffloadsReceived * 1000.0),
            MeanInferenceMs = Ratio(c.InferenceMicros, c.OffloadsReceived * 1000.0),
            MeanBatchSize = Ratio(c.BatchSizeSum, c.OffloadsReceived),
            EnergyJoules = c.EnergyJoules,
            ExplorationOffloads = c.ExplorationOffloads,
            ExplorationBytes = c.ExplorationBytes,
            ExplorationBandwidthFraction = Ratio(c.ExplorationBytes, fullOffloadBytes),
            ExplorationAgreementRate = Ratio(c.ExplorationAgreements, c.ExplorationOffloads),
            LatencyHiMs = savings?.LatencyHiMs,
            LatencyFullOffloadMs = savings?.LatencyFullOffloadMs,
            LatencyLocalOnlyMs = savings?.LatencyLocalOnlyMs,
            EnergySavedFraction = savings?.EnergySavedFraction,
            EnergyHiMillijoules = savings?.EnergyHiMillijoules,
            EnergyFullOffloadMillijoules = savings?.EnergyFullOffloadMillijoules,
            EnergyLocalOnlyMillijoules = savings?.EnergyLocalOnlyMillijoules,
        };
    }

    /// <summary>
    /// Each fleet is costed with its own profile and offload rate; the results are weighted by samples (energy by
    /// what full offload would have spent), which for a single fleet is the plain estimate.
    /// </summary>
    private static SavingsFigures? Savings(
        IReadOnlyDictionary<string, StatsCounts> parts, FleetCosts profiles,
        IReadOnlyDictionary<string, StatsCounts>? serverTimeFallback)
    {
        double samples = 0, latencyHi = 0, latencyFull = 0, latencyLocal = 0, energyHi = 0, energyFull = 0, energyLocal = 0;
        foreach (var (fleet, part) in parts)
        {
            if (part.Samples <= 0 || !profiles.Profiles.TryGetValue(fleet, out var profile))
            {
                continue;
            }

            var measured = part.OffloadsReceived > 0 ? part : serverTimeFallback?.GetValueOrDefault(fleet);
            var (queue, inference) = measured is { OffloadsReceived: > 0 } m
                ? (m.QueueMicros / 1e6 / m.OffloadsReceived, m.InferenceMicros / 1e6 / m.OffloadsReceived)
                : (s_defaults.ServerQueueSeconds, s_defaults.ServerInferenceSeconds);
            var f = Math.Min(1.0, (double)part.Offloaded / part.Samples);
            var estimate = SavingsModel.Estimate(f, profiles.SampleBytesOf(fleet), s_defaults.ResponseBytes, profile, queue, inference);
            samples += part.Samples;
            latencyHi += part.Samples * estimate.LatencyHiSeconds;
            latencyFull += part.Samples * estimate.LatencyFullOffloadSeconds;
            latencyLocal += part.Samples * estimate.LatencyOnDeviceSeconds;
            energyHi += part.Samples * estimate.EnergyHiJoules;
            energyFull += part.Samples * estimate.EnergyFullOffloadJoules;
            energyLocal += part.Samples * profile.JoulesPerLocalInference;
        }

        if (samples == 0)
        {
            return null;
        }

        return new SavingsFigures(latencyHi / samples * 1000, latencyFull / samples * 1000, latencyLocal / samples * 1000,
            energyFull > 0 ? 1 - (energyHi / energyFull) : 0, energyHi / samples * 1000, energyFull / samples * 1000, energyLocal / samples * 1000);
    }

    /// <summary>Per-sample means of the three ways to run: HI, offloading every sample, and the tiny model alone.</summary>
    private sealed record SavingsFigures(double LatencyHiMs, double LatencyFullOffloadMs, double LatencyLocalOnlyMs, double EnergySavedFraction,
        double EnergyHiMillijoules, double EnergyFullOffloadMillijoules, double EnergyLocalOnlyMillijoules);

    private static double? Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : null;
}

/// <summary>What costing a fleet needs: its device profile and the wire size of one sample of its model.</summary>
public sealed record FleetCosts(IReadOnlyDictionary<string, DeviceProfile> Profiles, IReadOnlyDictionary<string, int> SampleBytes)
{
    /// <summary>For a fleet whose model card cannot be read: costing must not fail a query, and guessing one model's
    /// size would be wrong for every other, so its bandwidth counts as unknown (0).</summary>
    public const int FallbackSampleBytes = 0;

    public static readonly FleetCosts None = new(new Dictionary<string, DeviceProfile>(), new Dictionary<string, int>());

    public int SampleBytesOf(string fleet) => SampleBytes.GetValueOrDefault(fleet, FallbackSampleBytes);
}
