using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Rollouts;

/// <summary>How often gates are evaluated, and what a rollout request that leaves out stages or gates gets.</summary>
public sealed class RolloutOptions
{
    public const string Section = "Rollouts";

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cumulative percentages of the default stages (canary, wider, everyone).</summary>
    [MinLength(1)]
    public double[] DefaultStagePercents { get; set; } = [5, 25, 100];

    [Range(0, 604_800)]
    public int DefaultMinSoakSeconds { get; set; } = 600;

    [Range(0, 1_000_000_000)]
    public int DefaultMinSamples { get; set; } = 500;

    [Required]
    public GateDefaults Gates { get; set; } = new();

    public sealed class GateDefaults
    {
        [Range(0.0, 1.0)]
        public double MinOffloadRate { get; set; }

        [Range(0.0, 1.0)]
        public double MaxOffloadRate { get; set; } = 1;

        [Range(0.0, 1.0)]
        public double MinAgreement { get; set; }

        [Range(0.0, 1.0)]
        public double MinAccuracy { get; set; }

        /// <summary>Offloads the devices dropped (buffer full, server unreachable) per offload.</summary>
        [Range(0.0, 1.0)]
        public double MaxErrorRate { get; set; } = 0.05;

        [Range(1, 86_400)]
        public int AckTimeoutSeconds { get; set; } = 300;
    }
}
