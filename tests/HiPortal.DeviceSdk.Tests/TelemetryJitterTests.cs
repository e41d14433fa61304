using HiPortal.Core.Savings;
using HiPortal.DeviceSdk.Telemetry;
using HiPortal.DeviceSdk.Transport;
using Microsoft.Extensions.Time.Testing;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>
/// The first telemetry period is cut at random so devices started together do not report in the same second, and
/// the phase it gives is kept. The reporter runs on a fake clock against the real server, with a seeded random.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TelemetryJitterTests(ServerFixture server)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(1);

    [Theory]
    [InlineData(1.0, 7)]
    [InlineData(1.0, 12)]
    [InlineData(0.5, 7)]
    public async Task FirstReport_ComesAfterTheCutPeriod_AndEveryNextOneIntervalLater(double jitter, int seed)
    {
        var first = s_interval * (1 - (jitter * new Random(seed).NextDouble()));
        Assert.InRange(first, s_interval * (1 - jitter), s_interval);
        await using var run = await StartAsync(jitter, new Random(seed));

        await run.AdvanceAsync(first - s_tick, expectedSequence: 0);
        await run.AdvanceAsync(s_tick, expectedSequence: 1);
        await run.AdvanceAsync(s_interval - s_tick, expectedSequence: 1);
        await run.AdvanceAsync(s_tick, expectedSequence: 2);
    }

    [Fact]
    public async Task WithoutJitter_TheFirstReportComesOneIntervalAfterStart()
    {
        await using var run = await StartAsync(0, new Random(7));

        await run.AdvanceAsync(s_interval - s_tick, expectedSequence: 0);
        await run.AdvanceAsync(s_tick, expectedSequence: 1);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void TelemetryJitter_OutsideZeroToOne_IsRefused(double jitter)
    {
        var options = new HiDeviceOptions
        {
            ServerUri = server.App.HttpAddress,
            DeviceKey = "any",
            Model = TinyReference.Model,
            TelemetryJitter = jitter,
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new HiDeviceClient(options));
        Assert.Equal(nameof(HiDeviceOptions.TelemetryJitter), error.ParamName);
    }

    private async Task<Run> StartAsync(double jitter, Random random)
    {
        var device = await server.RegisterDeviceAsync($"jitter-{Guid.NewGuid():N}");
        var fake = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new HiDeviceOptions
        {
            ServerUri = server.App.HttpAddress,
            DeviceKey = device.Key,
            Model = TinyReference.Model,
            TimeProvider = fake,
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        var counters = new DeviceCounters();
        var http = new DeviceHttp(options, counters);
        var time = new TimerCountingClock(fake);
        var reporter = new TelemetryReporter(http, counters, DeviceProfiles.Esp32Wifi, time, _ => { });
        var stopping = new CancellationTokenSource();
        return new Run(fake, time, reporter, http, stopping, reporter.RunAsync(() => s_interval, jitter, random, stopping.Token));
    }

    /// <summary>The fake clock, counting the timers made from it: each is one period's wait, begun.</summary>
    private sealed class TimerCountingClock(FakeTimeProvider fake) : TimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = fake.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }

    private sealed class Run(FakeTimeProvider fake, TimerCountingClock time, TelemetryReporter reporter, DeviceHttp http,
        CancellationTokenSource stopping, Task running) : IAsyncDisposable
    {
        /// <summary>
        /// Moves the clock. A report due by then closes its period (taking its sequence number), posts it and begins
        /// the next period's wait, which is awaited here before the clock moves again. One not due cannot have
        /// started: only the clock starts it.
        /// </summary>
        public async Task AdvanceAsync(TimeSpan by, long expectedSequence)
        {
            fake.Advance(by);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (time.Timers < expectedSequence + 1 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.Equal(expectedSequence + 1, time.Timers);
            Assert.Equal(expectedSequence, reporter.Sequence);
        }

        public async ValueTask DisposeAsync()
        {
            await stopping.CancelAsync();
            await running;
            http.Dispose();
            stopping.Dispose();
        }
    }
}
