using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Config;

/// <summary>
/// Holds a configuration long-poll open, so a change arrives within moments even when the device sends nothing
/// (a quiet device otherwise learns of it from its next telemetry answer). Backs off while the server is away.
/// Each poll asks the server to hold it for a random 50-100 % of <see cref="ConfigFollower.LongPollSeconds"/>: polls
/// of devices started together would otherwise all time out, and come back, in the same second (1,000 of them
/// every 30 s in the load run, each burst a p99 spike for every device's offloads).
/// </summary>
internal static class ConfigLongPoll
{
    public static async Task RunAsync(ConfigFollower config, Backoff backoff, TimeProvider time, CancellationToken stopping)
    {
        var failures = 0;
        var random = new Random();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var wait = random.Next(ConfigFollower.LongPollSeconds / 2, ConfigFollower.LongPollSeconds + 1);
                var outcome = await config.SyncAsync(stopping, wait);
                failures = outcome == SyncOutcome.Failed ? failures + 1 : 0;
                if (failures > 0)
                    await Task.Delay(backoff.Next(failures, null), time, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
