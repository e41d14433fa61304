using HiPortal.Server.Live;
using Microsoft.AspNetCore.SignalR;

namespace HiPortal.Server.Alarms;

/// <summary>
/// Every raise, clear and acknowledgement goes to dashboard components (in process), to the live hub's "*" group
/// (as <c>alarm</c>) and to the webhook queue, which never waits (see <see cref="AlarmWebhook"/>).
/// </summary>
public sealed class AlarmNotifier(IHubContext<LiveHub> hub, AlarmWebhook webhook, ILogger<AlarmNotifier> logger)
{
    public event Func<AlarmEvent, Task>? Changed;

    public async Task PublishAsync(AlarmEvent change)
    {
        if (change.Transition is AlarmEvent.Raised or AlarmEvent.Cleared)
        {
            webhook.TryEnqueue(change);
        }

        if (Changed is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<AlarmEvent, Task>>())
            {
                try
                {
                    await handler(change);
                }
                catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or TaskCanceledException)
                {
                    // A closed circuit: the other subscribers still hear of it.
                }
            }
        }

        try
        {
            await hub.Clients.Group(LiveHub.Group("*")).SendAsync("alarm", change);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Sending alarm {EventId} to the live hub failed", change.EventId);
        }
    }
}
