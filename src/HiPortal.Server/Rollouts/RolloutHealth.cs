using System.Globalization;

namespace HiPortal.Server.Rollouts;

public static class GateStatus
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string Pending = "pending";

    /// <summary>Nothing to judge yet (no offloads, no labels): the gate does not hold the stage.</summary>
    public const string NotApplicable = "n/a";
}

/// <summary>One gate's value against its limit.</summary>
public sealed record GateResult(string Gate, double? Value, string Limit, string Status);

/// <summary>What the changed devices did since each applied the change, counted from stored telemetry, decisions and acks.</summary>
public sealed record HealthCounts(int Devices, int Applied, int Rejected, long Samples, long Offloaded, long Dropped, long Decisions,
    long Agreements, long Labelled, long Correct);

/// <summary>A stage's gate evaluation: the counts, each gate, and the verdict (pass, fail or pending).</summary>
public sealed record RolloutHealth(DateTime At, int Stage, HealthCounts Counts, IReadOnlyList<GateResult> Gates, string Verdict, string? Failure)
{
    /// <summary>
    /// Acks first (a rejection or a device that never applies fails at once, whatever else it shows); then the stage
    /// must have soaked and sampled enough before the HI signals count; then every signal must be in its band.
    /// </summary>
    public static RolloutHealth Evaluate(DateTime at, int stageIndex, RolloutStage stage, RolloutGates gates, HealthCounts c, TimeSpan age)
    {
        var results = new List<GateResult>();
        var pendingAcks = c.Devices - c.Applied - c.Rejected;
        var acks = c.Rejected > 0 ? GateStatus.Fail
            : pendingAcks == 0 ? GateStatus.Pass
            : age.TotalSeconds > gates.AckTimeoutSeconds ? GateStatus.Fail : GateStatus.Pending;
        results.Add(new("acks", c.Devices == 0 ? null : (double)c.Applied / c.Devices,
            $"all applied within {gates.AckTimeoutSeconds} s, none rejected", acks));
        results.Add(new("soak", age.TotalSeconds, $"≥ {stage.MinSoakSeconds} s", age.TotalSeconds >= stage.MinSoakSeconds ? GateStatus.Pass : GateStatus.Pending));
        results.Add(new("samples", c.Samples, $"≥ {stage.MinSamples}", c.Samples >= stage.MinSamples && c.Samples > 0 ? GateStatus.Pass : GateStatus.Pending));
        var ready = results.All(r => r.Status == GateStatus.Pass);
        results.Add(Band("offload rate", Rate(c.Offloaded, c.Samples), gates.MinOffloadRate, gates.MaxOffloadRate, ready));
        results.Add(Band("agreement", Rate(c.Agreements, c.Decisions), gates.MinAgreement, 1, ready));
        results.Add(Band("accuracy", Rate(c.Correct, c.Labelled), gates.MinAccuracy, 1, ready));
        results.Add(Band("error rate", c.Offloaded + c.Dropped == 0 ? null : Rate(c.Dropped, c.Offloaded + c.Dropped), 0, gates.MaxErrorRate, ready));

        var failed = results.FirstOrDefault(r => r.Status == GateStatus.Fail);
        var verdict = failed is not null ? GateStatus.Fail
            : results.Any(r => r.Status == GateStatus.Pending) ? GateStatus.Pending : GateStatus.Pass;
        return new RolloutHealth(at, stageIndex, c, results, verdict, failed is null ? null : Describe(failed));
    }

    private static double? Rate(long part, long whole) => whole == 0 ? null : (double)part / whole;

    // A band is judged only once the stage is ready; a value with nothing behind it (no offloads, no labels) holds nothing.
    private static GateResult Band(string gate, double? value, double min, double max, bool ready)
    {
        var limit = string.Create(CultureInfo.InvariantCulture, $"[{min:0.###}, {max:0.###}]");
        var status = value is not { } v ? GateStatus.NotApplicable
            : !ready ? GateStatus.Pending
            : v >= min && v <= max ? GateStatus.Pass : GateStatus.Fail;
        return new GateResult(gate, value, limit, status);
    }

    private static string Describe(GateResult gate) => gate.Value is { } v
        ? string.Create(CultureInfo.InvariantCulture, $"{gate.Gate} {v:0.####} outside {gate.Limit}")
        : $"{gate.Gate}: {gate.Limit}";
}
