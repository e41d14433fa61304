using System.Net.Http.Json;
using HiPortal.Contracts;
using HiPortal.Core.Savings;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Telemetry;

/// <summary>
/// Reports the device's counters per period, each period under the next sequence number. Reports the server has
/// not confirmed are sent again with the next post (the server keeps the first copy of a sequence), up to the
/// server's 100 per post; older ones are given up and show as gaps. A device that keeps its sequence across
/// restarts passes it in (<see cref="HiDeviceOptions.FirstTelemetrySequence"/>); one that does not is renumbered
/// after the server's last sequence on its first post.
/// </summary>
internal sealed class TelemetryReporter(DeviceHttp http, DeviceCounters counters, DeviceProfile profile, TimeProvider time,
    Action<long> observeConfigVersion, long firstSequence = 1)
{
    public const int MaxReportsPerPost = 100;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<TelemetryPeriod> _unconfirmed = [];
    private DeviceStatistics _reported = new();
    private DateTimeOffset _periodStart = time.GetUtcNow();
    private long _sequence = firstSequence - 1;
    private bool _posted;

    /// <summary>The last sequence number used (0 before the first report).</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>Closes the current period and posts it with any unconfirmed ones; true when the server took them.</summary>
    public async Task<bool> ReportAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ClosePeriod();
            var firstPost = !_posted;
            _posted = true;
            var answer = await PostAsync(cancellationToken);
            if (answer is { Accepted: 0, Duplicates: > 0 } && firstPost && answer.LastSequence >= _sequence)
            {
                // The server already holds these numbers, and this client never posted before: they are a previous
                // run's (a restarted device). Continue after the server's last sequence instead of being ignored.
                Renumber(answer.LastSequence);
                answer = await PostAsync(cancellationToken);
            }

            if (answer is null)
                return false;
            _unconfirmed.Clear();
            observeConfigVersion(answer.ConfigVersion);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<TelemetryResponse?> PostAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, DeviceRoutes.Telemetry)
        {
            Content = JsonContent.Create(new TelemetryBatch(_unconfirmed), ContractsJson.Default.TelemetryBatch),
        };
        var result = await http.SendAsync(request, ContractsJson.Default.TelemetryResponse, cancellationToken);
        counters.Update(s =>
        {
            if (result.Error is { } error)
            {
                s.TelemetryFailed++;
                s.CountError(error);
            }
            else
            {
                s.TelemetrySent++;
            }
        });
        return result.Value;
    }

    private void Renumber(long after)
    {
        for (var i = 0; i < _unconfirmed.Count; i++)
            _unconfirmed[i] = _unconfirmed[i] with { Sequence = after + 1 + i };
        Interlocked.Exchange(ref _sequence, after + _unconfirmed.Count);
    }

    /// <summary>
    /// Reports every <paramref name="interval"/> (read anew each period, so a new configuration applies). The first
    /// period is shortened by a random part of up to <paramref name="jitter"/> of the interval: devices that start
    /// together (a fleet powered on at once, a simulator) then report spread over the interval instead of all in the
    /// same second, and keep that spread, since each period starts when the last report was sent.
    /// </summary>
    public async Task RunAsync(Func<TimeSpan> interval, double jitter, Random random, CancellationToken stopping)
    {
        var first = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var wait = interval();
                if (first)
                {
                    wait *= 1 - (jitter * random.NextDouble());
                    first = false;
                }

                await Task.Delay(wait, time, stopping);
                await ReportAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Counted as a failed post; its period goes out with the next one.
                counters.Update(s => s.TelemetryFailed++);
            }
        }
    }

    private void ClosePeriod()
    {
        var now = time.GetUtcNow();
        var totals = counters.Snapshot();
        var last = _reported;
        var samples = totals.Samples - last.Samples;
        var transmissions = totals.Transmissions - last.Transmissions;
        var bytes = totals.BytesSent - last.BytesSent;
        // Energy from the profile: every local inference, every transmission's fixed cost and every byte sent.
        var energy = (samples * profile.JoulesPerLocalInference) + (transmissions * profile.JoulesPerTransmission) +
            (bytes * profile.JoulesPerByteSent);
        _unconfirmed.Add(new TelemetryPeriod
        {
            Sequence = Interlocked.Increment(ref _sequence),
            PeriodStart = _periodStart,
            PeriodEnd = now,
            Samples = samples,
            DecidedLocally = totals.DecidedLocally - last.DecidedLocally,
            Offloaded = totals.Offloaded - last.Offloaded,
            LocalInferenceMicros = totals.LocalInferenceMicros - last.LocalInferenceMicros,
            BytesSent = bytes,
            OffloadRttMicrosSum = totals.OffloadRttMicrosSum - last.OffloadRttMicrosSum,
            OffloadRttCount = totals.OffloadRttCount - last.OffloadRttCount,
            EnergyJoules = energy,
            Dropped = totals.Dropped - last.Dropped,
        });
        if (_unconfirmed.Count > MaxReportsPerPost)
            _unconfirmed.RemoveAt(0);
        _reported = totals;
        _periodStart = now;
    }
}
