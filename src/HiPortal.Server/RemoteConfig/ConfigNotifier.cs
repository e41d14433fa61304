using System.Collections.Concurrent;

namespace HiPortal.Server.RemoteConfig;

/// <summary>
/// Tells waiting long-polls that a device's desired version changed, and keeps each device's current version in
/// memory so every ingest and telemetry response can carry <c>configVersion</c> without a query.
/// </summary>
public sealed class ConfigNotifier
{
    private readonly ConcurrentDictionary<string, long> _versions = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new();

    public bool TryGetVersion(string deviceId, out long version) => _versions.TryGetValue(deviceId, out version);

    /// <summary>Records a version read from the database (never moves a version backwards).</summary>
    public void Remember(string deviceId, long version) =>
        _versions.AddOrUpdate(deviceId, version, (_, current) => Math.Max(current, version));

    /// <summary>A change made on this instance: wakes its long-polls and is passed on to the other instances.</summary>
    public void Changed(string deviceId, long version)
    {
        Wake(deviceId, version);
        ChangedHere?.Invoke(deviceId, version);
    }

    /// <summary>Raised for changes made on this instance (not for those another instance reported).</summary>
    public event Action<string, long>? ChangedHere;

    /// <summary>Wakes this instance's long-poll of the device (a change made here or on another instance).</summary>
    public void Wake(string deviceId, long version)
    {
        Remember(deviceId, version);
        if (_waiters.TryRemove(deviceId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Forgets every remembered version (they are read again): after missing other instances' changes.</summary>
    public void ForgetVersions() => _versions.Clear();

    /// <summary>
    /// Raised with the device id when a long-poll subscribes to its next change: the signal that a poll is parked
    /// (tests await it instead of polling server state).
    /// </summary>
    public event Action<string>? Subscribed;

    /// <summary>Completes when the device's version changes next (or never, if it does not).</summary>
    public Task NextChange(string deviceId)
    {
        var next = _waiters.GetOrAdd(deviceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        Subscribed?.Invoke(deviceId);
        return next;
    }
}
