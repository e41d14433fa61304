namespace HiPortal.Server.Alarms;

/// <summary>
/// Raises and clears alarms for any feature (the rollout gate, the evaluator). Both are idempotent: raising an alarm
/// already open for the kind and scope, or clearing one that is not, changes nothing and returns false.
/// </summary>
public interface IAlarmRaiser
{
    /// <summary>Opens an alarm of <paramref name="kind"/> (<see cref="AlarmKinds"/>) for <paramref name="scope"/>, audited, notified.</summary>
    Task<bool> RaiseAsync(string kind, string scope, string detail, double? value = null, CancellationToken cancellationToken = default);

    /// <summary>Closes the open alarm of <paramref name="kind"/> for <paramref name="scope"/>, audited, notified.</summary>
    Task<bool> ClearAsync(string kind, string scope, string detail, CancellationToken cancellationToken = default);

    bool IsOpen(string kind, string scope);
}

/// <summary>A raise or a clear, as the dashboard, the hub and the webhook receive it. <see cref="EventId"/> is unique per transition.</summary>
public sealed record AlarmEvent(string EventId, long AlarmId, string Kind, string Scope, string Transition, DateTimeOffset At,
    string Detail, double? Value)
{
    public const string Raised = "raised";
    public const string Cleared = "cleared";
}
