using System.Collections.Concurrent;

namespace HiPortal.Server.Live;

/// <summary>
/// The in-process side of the live stream: dashboard components subscribe here (as eShop's order-status notifier
/// does) and the SignalR hub relays the same snapshots to outside clients.
/// </summary>
public sealed class LiveNotifier
{
    private readonly ConcurrentDictionary<string, SavingsSnapshot> _latest = new();

    public event Func<SavingsSnapshot, Task>? SnapshotPublished;

    public event Func<DeviceStatusChange, Task>? DeviceStatusChanged;

    public SavingsSnapshot? Latest(string fleet) => _latest.GetValueOrDefault(fleet);

    public async Task PublishAsync(SavingsSnapshot snapshot)
    {
        _latest[snapshot.Fleet] = snapshot;
        if (SnapshotPublished is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<SavingsSnapshot, Task>>())
            {
                await Safe(() => handler(snapshot));
            }
        }
    }

    public async Task PublishAsync(DeviceStatusChange change)
    {
        if (DeviceStatusChanged is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<DeviceStatusChange, Task>>())
            {
                await Safe(() => handler(change));
            }
        }
    }

    // One broken subscriber (a closed circuit) must not stop the others.
    private static async Task Safe(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or TaskCanceledException)
        {
        }
    }
}
