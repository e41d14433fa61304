namespace HiPortal.DeviceSdk.Offload;

/// <summary>
/// Offloads waiting for the server, oldest first, bounded: when full, the oldest is dropped (it is the least
/// useful answer by the time the server is back). While it holds anything the device is "offline": new offloads
/// queue behind the old ones instead of hammering a server that just failed.
/// </summary>
internal sealed class OfflineBuffer(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<PendingOffload> _items = new();
    private bool _draining;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>True while a drainer owns the buffer (it is non-empty or being worked on).</summary>
    public bool IsOffline
    {
        get
        {
            lock (_lock)
            {
                return _draining;
            }
        }
    }

    /// <summary>Adds at the back; returns the dropped oldest item, if any, and whether a drainer must be started.</summary>
    public (PendingOffload? Dropped, bool StartDrainer) Add(PendingOffload item)
    {
        lock (_lock)
        {
            _items.AddLast(item);
            var dropped = TrimToCapacity();
            var start = !_draining;
            _draining = true;
            return (dropped, start);
        }
    }

    /// <summary>Takes the oldest item; when empty, ends the drainer's ownership (so the next Add starts a new one).</summary>
    public bool TryTakeOldest(out PendingOffload? item)
    {
        lock (_lock)
        {
            item = _items.First?.Value;
            if (item is null)
            {
                _draining = false;
                return false;
            }

            _items.RemoveFirst();
            return true;
        }
    }

    /// <summary>Puts back an item the drainer could not send; returns what had to be dropped to make room.</summary>
    public PendingOffload? ReturnOldest(PendingOffload item)
    {
        lock (_lock)
        {
            _items.AddFirst(item);
            return TrimToCapacity();
        }
    }

    /// <summary>Empties the buffer (at dispose).</summary>
    public List<PendingOffload> Clear()
    {
        lock (_lock)
        {
            var all = _items.ToList();
            _items.Clear();
            return all;
        }
    }

    private PendingOffload? TrimToCapacity()
    {
        if (_items.Count <= capacity)
            return null;
        var oldest = _items.First!.Value;
        _items.RemoveFirst();
        return oldest;
    }
}
