namespace HiPortal.DeviceSdk.Transport;

/// <summary>
/// The servers a device may use, in order of preference, and the one it uses now. A request that failed for want of
/// a server moves the device on to the next one, so that the retry (same sample id) goes there; after
/// <c>failbackAfter</c> away from the first, the next request tries the first again.
/// </summary>
internal sealed class ServerAddresses(IReadOnlyList<Uri> servers, TimeSpan failbackAfter, TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _current;
    private long _movedAt;

    /// <summary>The index of the server to use now.</summary>
    public int Current
    {
        get
        {
            lock (_lock)
            {
                if (_current != 0 && time.GetElapsedTime(_movedAt) >= failbackAfter)
                    _current = 0;
                return _current;
            }
        }
    }

    public Uri this[int index] => servers[index];

    /// <summary>
    /// The server at <paramref name="failed"/> did not answer: use the next. Only once per failure of the current
    /// server: concurrent requests that all failed on it must not move the device round the list and back.
    /// </summary>
    /// <returns>True when the device moved to another server.</returns>
    public bool MoveOn(int failed)
    {
        lock (_lock)
        {
            if (servers.Count == 1 || _current != failed)
                return false;
            _current = (failed + 1) % servers.Count;
            _movedAt = time.GetTimestamp();
            return true;
        }
    }

    /// <summary>Failures that say nothing about the request itself, only that this server could not serve it now.</summary>
    public static bool IsServerDown(HiDeviceErrorKind? error) =>
        error is HiDeviceErrorKind.Network or HiDeviceErrorKind.Timeout or HiDeviceErrorKind.Unavailable or HiDeviceErrorKind.ServerError;
}
