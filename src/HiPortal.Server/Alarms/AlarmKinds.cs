namespace HiPortal.Server.Alarms;

/// <summary>What can raise an alarm; the strings are stored, sent to webhooks and filtered on, so they never change.</summary>
public static class AlarmKinds
{
    /// <summary>A device that was heard from has been silent for longer than Presence:OfflineAfter. Scope: device.</summary>
    public const string DeviceOffline = "device_offline";

    /// <summary>A fleet's reported offload rate left its band. Scope: fleet.</summary>
    public const string OffloadRate = "offload_rate";

    /// <summary>The large model agrees with a fleet's tiny model on too few offloads. Scope: fleet.</summary>
    public const string AgreementDrop = "agreement_drop";

    /// <summary>The fleet's drift detector (CUSUM) fired. Scope: fleet.</summary>
    public const string Drift = "drift";

    /// <summary>A rollout's gate failed; raised by the rollout code through <see cref="IAlarmRaiser"/>. Scope: rollout.</summary>
    public const string RolloutGate = "rollout_gate";

    /// <summary>Requests answered 503 (queue full, deadline, not ready) above the rate limit. Scope: server.</summary>
    public const string QueueRejections = "queue_rejections";

    /// <summary>The served model is not loaded and warm (what /health/ready says). Scope: server.</summary>
    public const string ModelNotReady = "model_not_ready";

    public static readonly IReadOnlyList<string> All =
        [DeviceOffline, OffloadRate, AgreementDrop, Drift, RolloutGate, QueueRejections, ModelNotReady];

    public const string Server = "server";

    public static string Fleet(string name) => "fleet:" + name;

    public static string Device(string id) => "device:" + id;
}
