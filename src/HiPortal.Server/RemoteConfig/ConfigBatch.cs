using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Persistence;

namespace HiPortal.Server.RemoteConfig;

/// <summary>
/// Changes many devices at once inside the caller's unit of work (a rollout stage, its rollback, its completion), with
/// the same rule as <see cref="ConfigService"/>: take a snapshot, change overrides, fleet config or tiny model, then give
/// every device whose effective configuration (or tiny model) moved a new version and a <c>desired</c> history event.
/// After the commit, <see cref="Notify"/> wakes their long-polls.
/// </summary>
public sealed class ConfigBatch(IReadOnlyDictionary<string, Fleet> fleets, IReadOnlyList<Device> devices)
{
    private readonly Dictionary<string, (DeviceConfiguration Config, string Tiny)> _before =
        devices.ToDictionary(d => d.Id, d => (DeviceConfiguration.Effective(fleets[d.Fleet], d), d.TinyModel(fleets[d.Fleet])));

    public IReadOnlyList<Device> Bumped { get; private set; } = [];

    /// <summary>Bumps the devices whose effective configuration differs from the snapshot.</summary>
    public IReadOnlyList<Device> Commit(HiPortalDb db, DateTime now)
    {
        var bumped = new List<Device>();
        foreach (var device in devices)
        {
            var fleet = fleets[device.Fleet];
            var after = DeviceConfiguration.Effective(fleet, device);
            var before = _before[device.Id];
            if (!after.SameAs(before.Config) || device.TinyModel(fleet) != before.Tiny)
            {
                device.ConfigVersion++;
                db.ConfigEvents.Add(ConfigService.Desired(device, after, device.TinyModel(fleet), now));
                bumped.Add(device);
            }
        }

        Bumped = bumped;
        return bumped;
    }

    public void Notify(ConfigNotifier notifier)
    {
        foreach (var device in Bumped)
        {
            notifier.Changed(device.Id, device.ConfigVersion);
        }
    }
}
