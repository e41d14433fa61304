using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Config;

/// <summary>
/// Holds a configuration long-poll open, so a change arrives within moments even when the device sends nothing
/// (a quiet device otherwise learns of it from its next telemetry answer). Backs off while the server is away.
/// </summary>
internal static class ConfigLongPoll
{
    public static async Task RunAsync(ConfigFollower config, Backoff backoff, TimeProvider time, CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var outcome = await config.SyncAsync(stopping, ConfigFollower.LongPollSeconds);
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
