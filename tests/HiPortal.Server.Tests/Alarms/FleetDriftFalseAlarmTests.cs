using HiPortal.Server.Alarms;
using Xunit.Abstractions;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>
/// The server's drift detector with its default settings on drift-free offload streams: how often it fires when
/// nothing changed (the README quotes this), and that a real shift is still found.
/// </summary>
public sealed class FleetDriftFalseAlarmTests(ITestOutputHelper output)
{
    private const int Runs = 100;
    private const int SamplesPerRun = 20_000;

    [Fact]
    public void DefaultDetector_RarelyFiresOnDriftFreeStreams_ButFindsAConfidenceShift()
    {
        var falseAlarms = 0;
        var delays = new List<int>();
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(run);
            var detector = new FleetDriftDetector(new DriftOptions());
            for (var i = 0; i < SamplesPerRun; i++)
            {
                var (confidence, agrees) = Offload(random, shifted: false);
                falseAlarms += detector.Observe(confidence, agrees) is null ? 0 : 1;
            }

            // The same detector then sees offloads whose confidence fell (what a noise step does to a tiny model).
            for (var i = 0; i < SamplesPerRun; i++)
            {
                var (confidence, agrees) = Offload(random, shifted: true);
                if (detector.Observe(confidence, agrees) is not null)
                {
                    delays.Add(i);
                    break;
                }
            }
        }

        output.WriteLine($"false alarms: {falseAlarms} in {Runs} drift-free runs of {SamplesPerRun} offloads; " +
            $"shift found in {delays.Count}/{Runs} runs, after {delays.DefaultIfEmpty().Min()}-{delays.DefaultIfEmpty().Max()} offloads");
        Assert.True(falseAlarms <= 2, $"{falseAlarms} false alarms in {Runs * SamplesPerRun} drift-free offloads");
        Assert.Equal(Runs, delays.Count);
        Assert.True(delays.Max() <= 2000, $"slowest detection after {delays.Max()} offloads");
    }

    /// <summary>
    /// An offloaded sample: confidence below θ ≈ 0.8 and skewed towards θ (most offloads are near-misses), agreement
    /// more likely the more confident the tiny model was. The shift lowers every confidence by 0.05.
    /// </summary>
    private static (double Confidence, bool Agrees) Offload(Random random, bool shifted)
    {
        var u = random.NextDouble();
        var confidence = 0.8 - (0.6 * u * u) - (shifted ? 0.05 : 0);
        var agrees = random.NextDouble() < 0.3 + (0.6 * confidence);
        return (confidence, agrees);
    }
}
