using HiPortal.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace HiPortal.Server.Live;

/// <summary>
/// <c>/hubs/live</c>: call <c>Subscribe(fleet)</c> ("*" = all fleets) and receive <c>snapshot</c>
/// (<see cref="SavingsSnapshot"/>) about once a second and <c>deviceStatus</c> (<see cref="DeviceStatusChange"/>).
/// Admins and operators only; bearer tokens go in the <c>access_token</c> query for WebSockets.
/// </summary>
[Authorize(Policy = Policies.Reader)]
public sealed class LiveHub(LiveNotifier notifier) : Hub
{
    public const string Path = "/hubs/live";

    public static string Group(string fleet) => "fleet:" + fleet;

    public async Task<SavingsSnapshot?> Subscribe(string fleet)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(fleet));
        return notifier.Latest(fleet);
    }

    public Task Unsubscribe(string fleet) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(fleet));
}
