using HiPortal.Contracts;
using HiPortal.Core.Data;
using HiPortal.DeviceSdk;

namespace HiPortal.Cli.Simulate;

/// <summary>
/// One simulated sensor: replays its own shuffled stream of test images, with their true labels, through the SDK at
/// a fixed rate (catching up, not bursting, when a slow offload makes it late), drifted as the run goes on.
/// </summary>
public sealed class VirtualDevice(int number, HiDeviceClient client, LabelledSamples images, SimulationSettings settings,
    SimulationClock clock, SimulationRecorder recorder)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        var random = new Random(HashCode.Combine(settings.Seed, number));
        var order = Enumerable.Range(0, images.Count).ToArray();
        random.Shuffle(order);
        var interval = TimeSpan.FromSeconds(1 / settings.Rate);
        var due = clock.Elapsed;
        for (var k = 0; !stopping.IsCancellationRequested && clock.TryTakeSample(); k++)
        {
            await ProcessAsync(order[k % order.Length], random);
            due += interval;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ProcessAsync(int image, Random random)
    {
        var label = images.Label(image);
        var drifted = settings.Drift == DriftKind.None ? null : Drift.Apply(images.Sample(image), settings.Drift, clock.Progress, random);
        ReadOnlyMemory<byte> pixels = drifted ?? images.Sample(image).ToArray();
        try
        {
            // Not cancelled at the end of the run: a sample in flight finishes, as on a real device.
            var result = await client.ProcessAsync(pixels, label);
            var record = new SampleRecord
            {
                Device = number,
                Image = image,
                Label = label,
                Pixels = drifted,
                LocalClass = result.LocalClass,
                Offloaded = result.Offloaded,
                ServerClass = result.Server?.PredictedClass,
                Buffered = result.Status == OffloadStatus.Buffered,
                Rule = result.Configuration.OffloadRule,
                LatencyMs = result.Latency.TotalMilliseconds,
                RoundTripMs = result.OffloadRoundTrip?.TotalMilliseconds,
                AtSeconds = clock.Elapsed.TotalSeconds,
            };
            recorder.Add(record, result.Status == OffloadStatus.Buffered ? Resolve(record, result.Deferred) : null);
        }
        catch (HiDeviceException ex)
        {
            recorder.Add(new SampleRecord
            {
                Device = number,
                Image = image,
                Label = label,
                Pixels = drifted,
                Decided = false,
                Offloaded = true,
                Error = ex.Kind.ToString(),
            });
        }
    }

    private async Task Resolve(SampleRecord record, Task<OffloadResponse?> deferred)
    {
        try
        {
            var answer = await deferred;
            recorder.Update(() =>
            {
                record.ServerClass = answer?.PredictedClass;
                record.Error = answer is null ? "DroppedOrAbandoned" : null;
            });
        }
        catch (HiDeviceException ex)
        {
            recorder.Update(() => record.Error = ex.Kind.ToString());
        }
    }
}
