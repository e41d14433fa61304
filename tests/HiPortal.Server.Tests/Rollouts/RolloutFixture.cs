using HiPortal.Server.Rollouts;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Rollouts;

/// <summary>
/// A server on a fake clock whose own gate timer never fires: tests move time past a soak and evaluate once
/// (<see cref="EvaluateAsync"/>), so nothing races them.
/// </summary>
public sealed class RolloutFixture : FakeClockFixture
{
    protected override HiPortalHostOptions Options
    {
        get
        {
            var options = base.Options;
            return options with
            {
                Settings = new Dictionary<string, string?>(options.Settings) { ["Rollouts:EvaluationInterval"] = "1.00:00:00" },
            };
        }
    }

    public Task EvaluateAsync() => App.Services.GetRequiredService<RolloutService>().RunOnceAsync(CancellationToken.None);

    /// <summary>A fleet at θ with <paramref name="count"/> devices, each with a signed-in client.</summary>
    public async Task<List<DeviceClient>> FleetAsync(string fleet, int count, double threshold = 0.6)
    {
        using var admin = await App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: threshold));
        var clients = new List<DeviceClient>();
        for (var i = 0; i < count; i++)
        {
            clients.Add(App.CreateDeviceClient(await admin.RegisterDeviceAsync($"{fleet}-{i}", fleet)));
        }

        return clients;
    }

    /// <summary>The device fetches and applies its configuration, then reports a period (starting now) of samples and offloads.</summary>
    public async Task<EffectiveConfigResponse> RunAsync(DeviceClient device, long sequence, long samples, long offloaded)
    {
        var config = await device.GetConfigAsync();
        await device.AckAsync(config.Version);
        var start = Time.GetUtcNow();
        await device.PostTelemetryAsync(new TelemetryBatch(
        [
            new TelemetryPeriod
            {
                Sequence = sequence, PeriodStart = start, PeriodEnd = start.AddSeconds(10), Samples = samples,
                DecidedLocally = samples - offloaded, Offloaded = offloaded,
            },
        ]));
        return config;
    }
}
