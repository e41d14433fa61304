using HiPortal.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace HiPortal.Server.Live;

/// <summary>
/// <c>/hubs/live</c>: call <c>Subscribe(fleet)</c> ("*" = all fleets) and receive <c>snapshot</c>
/// (<see cref="SavingsSnapshot"/>) about once a second and <c>deviceStatus</c> (<see cref="DeviceStatusChange"/>).
/// Admins and operators only; bearer tokens go in the <c>access_token</c> query for WebSockets.
/// </summary>
/// <remarks>
/// Group names come from callers, and every group costs server memory: a name must be "*" or a valid fleet name,
/// and one connection holds at most <see cref="MaxSubscriptions"/> (60,000 arbitrary names once grew the server by
/// 140 MB). A connection's groups go when it disconnects.
/// </remarks>
[Authorize(Policy = Policies.Reader)]
public sealed class LiveHub(LiveNotifier notifier) : Hub
{
    public const string Path = "/hubs/live";
    public const int MaxSubscriptions = 64;

    public static string Group(string fleet) => "fleet:" + fleet;

    public async Task<SavingsSnapshot?> Subscribe(string fleet)
    {
        if (fleet != "*" && Names.FleetError(fleet) is { } error)
        {
            throw new HubException($"fleet: {error}");
        }

        var subscriptions = Subscriptions();
        lock (subscriptions)
        {
            if (!subscriptions.Contains(fleet) && subscriptions.Count >= MaxSubscriptions)
            {
                throw new HubException($"fleet: at most {MaxSubscriptions} subscriptions per connection");
            }

            subscriptions.Add(fleet);
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, Group(fleet));
        return notifier.Latest(fleet);
    }

    public async Task Unsubscribe(string fleet)
    {
        var subscriptions = Subscriptions();
        lock (subscriptions)
        {
            if (!subscriptions.Remove(fleet))
            {
                return;
            }
        }

        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(fleet));
    }

    private HashSet<string> Subscriptions() =>
        (HashSet<string>)(Context.Items.TryGetValue(typeof(LiveHub), out var set) ? set! : Context.Items[typeof(LiveHub)] = new HashSet<string>(StringComparer.Ordinal));
}
