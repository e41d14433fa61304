using System.Globalization;
using System.Net.Http.Json;
using HiPortal.Contracts;
using HiPortal.DeviceSdk.Models;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Config;

internal enum SyncOutcome
{
    Changed,
    Unchanged,
    Failed,
}

/// <summary>
/// Keeps the device on the server's configuration. Every answer carries the device's desired version; when one is
/// newer than anything seen, the configuration is fetched (ETag "v{n}", so an unchanged one costs a 304), checked,
/// applied and acknowledged — or acknowledged as rejected with the reason, keeping the running configuration.
/// A version that names another tiny model is applied only once that model is delivered and checked
/// (<see cref="TinyModelDelivery"/>); a download that fails for now leaves the version unseen, to be tried again.
/// </summary>
internal sealed class ConfigFollower(DeviceHttp http, DeviceConfiguration initial, DeviceCounters counters,
    Action<DeviceConfigurationEventArgs> changed, CancellationToken stopping, TinyModelDelivery? delivery = null)
{
    public const int LongPollSeconds = 30;
    private readonly SemaphoreSlim _applying = new(1, 1);
    private DeviceConfiguration _current = initial;
    private long _highestSeen;
    private long _highestObserved;
    private int _fetching;

    public DeviceConfiguration Current => Volatile.Read(ref _current);

    /// <summary>Called with the configVersion of every answer; fetches in the background when it is new.</summary>
    public void Observe(long version)
    {
        InterlockedMax(ref _highestObserved, version);
        if (version > Interlocked.Read(ref _highestSeen) && Interlocked.CompareExchange(ref _fetching, 1, 0) == 0)
            _ = FetchInBackgroundAsync();
    }

    /// <summary>Fetches now, or with <paramref name="waitSeconds"/> holds a long-poll open until the version changes.</summary>
    public async Task<SyncOutcome> SyncAsync(CancellationToken cancellationToken, int waitSeconds = 0)
    {
        var seen = Interlocked.Read(ref _highestSeen);
        var path = waitSeconds > 0 ? $"{DeviceRoutes.Config}?waitSeconds={waitSeconds.ToString(CultureInfo.InvariantCulture)}" : DeviceRoutes.Config;
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("If-None-Match", $"\"v{seen.ToString(CultureInfo.InvariantCulture)}\"");
        var result = await http.SendAsync(request, ContractsJson.Default.EffectiveConfigResponse, cancellationToken,
            waitSeconds > 0 ? TimeSpan.FromSeconds(waitSeconds + 10) : null);
        if (result.Error is { } error)
        {
            counters.Update(s => s.CountError(error));
            return SyncOutcome.Failed;
        }

        if (result.Value is not { } remote)
            return SyncOutcome.Unchanged;

        // A long-poll and a triggered fetch may both bring the same version: apply it once.
        await _applying.WaitAsync(cancellationToken);
        try
        {
            if (remote.Version <= Interlocked.Read(ref _highestSeen))
                return SyncOutcome.Unchanged;
            return await ApplyAsync(remote, cancellationToken) ? SyncOutcome.Changed : SyncOutcome.Failed;
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <returns>False when the version could not be decided yet (its tiny model could not be fetched for now).</returns>
    private async Task<bool> ApplyAsync(EffectiveConfigResponse remote, CancellationToken cancellationToken)
    {
        string? rejection = null;
        DeviceConfiguration? next = null;
        try
        {
            next = DeviceConfiguration.Create(remote.Version, remote.Rule ?? "", remote.Threshold,
                remote.Coefficients, TimeSpan.FromSeconds(remote.TelemetryIntervalSeconds), remote.Fleet, remote.ExplorationRate);
        }
        catch (ArgumentException ex)
        {
            rejection = ex.Message;
        }

        var delivered = default(DeliveryOutcome);
        if (rejection is null && remote.Model is { } desired && delivery is not null)
        {
            delivered = await delivery.FetchAsync(desired, cancellationToken);
            if (delivered.Retry)
            {
                counters.Update(s => s.CountError(HiDeviceErrorKind.Network));
                return false;
            }

            rejection = delivered.Rejection;
        }

        if (rejection is null)
        {
            // Model and rule change together: no sample runs the new rule on the old model or the reverse for long.
            if (delivered.Loaded is { } loaded)
                delivery!.Switch(loaded);
            Volatile.Write(ref _current, next!);
        }

        rejection = rejection is { Length: > 500 } ? rejection[..500] : rejection;

        Interlocked.Exchange(ref _highestSeen, remote.Version);
        counters.Update(s =>
        {
            if (rejection is null)
                s.ConfigurationsApplied++;
            else
                s.ConfigurationsRejected++;
        });
        var ack = new ConfigAck(remote.Version, rejection is null ? "applied" : "rejected", rejection);
        var acknowledged = await AcknowledgeAsync(ack, cancellationToken);
        changed(new DeviceConfigurationEventArgs(remote.Version, rejection is null, rejection, Current) { Acknowledged = acknowledged });
        return true;
    }

    private async Task<bool> AcknowledgeAsync(ConfigAck ack, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, DeviceRoutes.ConfigAck)
        {
            Content = JsonContent.Create(ack, ContractsJson.Default.ConfigAck),
        };
        var result = await http.SendAsync(request, ContractsJson.Default.AckResponse, cancellationToken);
        if (result.Error is { } error)
            counters.Update(s => s.CountError(error));
        return result.Succeeded;
    }

    private async Task FetchInBackgroundAsync()
    {
        try
        {
            // Again while answers announced a version newer than the fetch brought (changed during the fetch).
            while (await SyncAsync(stopping) == SyncOutcome.Changed &&
                   Interlocked.Read(ref _highestObserved) > Interlocked.Read(ref _highestSeen))
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The client is stopping.
        }
        finally
        {
            Volatile.Write(ref _fetching, 0);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var previous = Interlocked.CompareExchange(ref target, value, current);
            if (previous == current)
                return;
            current = previous;
        }
    }
}
