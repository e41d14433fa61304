using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Alarms;

/// <summary>
/// When alarms are evaluated and the levels with their hysteresis: a condition raises after <see cref="RaiseAfter"/>
/// consecutive bad evaluations and clears after <see cref="ClearAfter"/> consecutive good ones; between the raise and
/// clear levels nothing changes, so a value hovering at one level does not flap.
/// </summary>
public sealed class AlarmOptions
{
    public const string Section = "Alarms";

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 1000)]
    public int RaiseAfter { get; set; } = 3;

    [Range(1, 1000)]
    public int ClearAfter { get; set; } = 3;

    /// <summary>Fleet figures (offload rate, agreement) are computed over this much recent history.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>503 answers per evaluation that raise <see cref="AlarmKinds.QueueRejections"/>.</summary>
    [Range(1, int.MaxValue)]
    public int RejectionsRaiseAbove { get; set; } = 10;

    /// <summary>503 answers per evaluation at or below which it clears.</summary>
    [Range(0, int.MaxValue)]
    public int RejectionsClearAtOrBelow { get; set; }

    /// <summary>The offload-rate band: outside [Low, High] raises, back inside by <see cref="OffloadRateMargin"/> clears.</summary>
    [Range(0.0, 1.0)]
    public double OffloadRateLow { get; set; } = 0.01;

    [Range(0.0, 1.0)]
    public double OffloadRateHigh { get; set; } = 0.6;

    [Range(0.0, 0.5)]
    public double OffloadRateMargin { get; set; } = 0.02;

    /// <summary>Fewer telemetry samples than this in the window say nothing about the rate.</summary>
    [Range(1, int.MaxValue)]
    public int OffloadRateMinSamples { get; set; } = 100;

    /// <summary>Agreement below this raises <see cref="AlarmKinds.AgreementDrop"/>; at or above ClearAbove it clears.</summary>
    [Range(0.0, 1.0)]
    public double AgreementRaiseBelow { get; set; } = 0.5;

    [Range(0.0, 1.0)]
    public double AgreementClearAbove { get; set; } = 0.6;

    /// <summary>Fewer stored offloads than this in the window say nothing about agreement.</summary>
    [Range(1, int.MaxValue)]
    public int AgreementMinOffloads { get; set; } = 20;
}

/// <summary>The per-fleet CUSUM (see <see cref="Core.Drift.ConfidenceCusum"/> and the README's drift section).</summary>
public sealed class DriftOptions
{
    public const string Section = "Alarms:Drift";

    public bool Enabled { get; set; } = true;

    [Range(2, 100_000)]
    public int BlockSize { get; set; } = 100;

    [Range(2, 10_000)]
    public int WarmupBlocks { get; set; } = 20;

    [Range(0.0, 100.0)]
    public double K { get; set; } = 1;

    [Range(0.001, 1000.0)]
    public double H { get; set; } = 10;

    /// <summary>The least per-sample deviation assumed for the agreement stream (a 0/1 stream that was all 1s in warm-up has none).</summary>
    [Range(0.0, 1.0)]
    public double AgreementMinDeviation { get; set; } = 0.2;

    /// <summary>
    /// With several instances (the detector reads the Decisions table): decisions per read. An evaluation reads page
    /// after page until it has caught up or <see cref="MaxReadTime"/> has passed; the rest wait for the next one.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxDecisionsPerEvaluation { get; set; } = 20_000;

    /// <summary>With several instances: how long one evaluation may go on reading pages of decisions.</summary>
    public TimeSpan MaxReadTime { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>An optional receiver of every raise and clear, signed with HMAC-SHA256.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Alarms:Webhook";

    /// <summary>Empty: no webhook.</summary>
    [Url]
    public string? Url { get; set; }

    /// <summary>The HMAC key; required with a URL. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>Events waiting to be sent; a full queue drops the new one and counts it.</summary>
    [Range(1, 1_000_000)]
    public int Capacity { get; set; } = 1000;

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
