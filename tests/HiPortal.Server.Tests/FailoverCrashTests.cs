using System.Collections.Concurrent;
using HiPortal.Core.Inference;
using HiPortal.DeviceSdk;

namespace HiPortal.Server.Tests;

/// <summary>
/// Two server processes of one deployment (one database, one Redis) under SDK devices that know both; one is
/// SIGKILLed mid-run. The database is the suite's provider: in the PostgreSQL pass this is the README's scale-out
/// layout; on SQLite the two processes share one file, which one machine allows, and the test still checks what it is
/// about (failover in the SDK, idempotency across instances) rather than passing without doing its work.
/// </summary>
public sealed class FailoverCrashTests
{
    private const int DeviceCount = 4;
    private const int AnsweredBeforeKill = 60;
    private const int AnsweredAfterKillPerDevice = 10;

    [Fact]
    public async Task DevicesFailOverToB_WhenAIsKilled_AndEveryAcknowledgedSampleIsStoredOnce()
    {
        await using var database = new CrashDatabase();
        await using var redis = await RedisServer.StartAsync();
        var deployment = new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["ScaleOut:Deployment"] = "crash-" + Guid.NewGuid().ToString("n")[..8],
        };
        // One after the other: the first applies the migrations, the second finds them applied.
        await using var a = await database.StartServerAsync(deployment);
        await using var b = await database.StartServerAsync(deployment);
        var fleet = Samples.Unique("failover");
        var devices = new List<CreatedDevice>();
        using (var admin = a.CreateClient())
        {
            await admin.SignInAsync("admin", HiPortalHost.AdminPassword);
            // θ = 1: every sample is offloaded, so every sample is a decision to account for.
            await admin.EnsureFleetAsync(new CreateFleetRequest(fleet, Threshold: 1.0));
            for (var d = 0; d < DeviceCount; d++)
            {
                devices.Add(await admin.RegisterDeviceAsync($"{fleet}-{d}", fleet));
            }
        }

        using var model = OnnxClassifier.Load(ModelCard.LoadNamed("fashion-tiny").OnnxPath());
        // Half the devices prefer A, half B: the load goes through both until A dies.
        var clients = devices.Select((device, d) => new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = d % 2 == 0 ? a.Address : b.Address,
            FallbackUris = [d % 2 == 0 ? b.Address : a.Address],
            // Longer than the test: a device that left A must not wander back to it.
            FailbackAfter = TimeSpan.FromHours(1),
            DeviceKey = device.Key,
            Model = model,
            InitialThreshold = 1.0,
            MaxRetries = 5,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        })).ToList();
        try
        {
            var run = new FailoverRun(devices, clients);
            var posting = run.PostUntilStoppedAsync();
            await run.Answered(AnsweredBeforeKill).WaitAsync(TimeSpan.FromSeconds(60));
            await a.KillAsync();
            run.Killed();
            await run.AnsweredAfterKillByEveryDevice(AnsweredAfterKillPerDevice).WaitAsync(TimeSpan.FromSeconds(60));
            await run.StopAsync(posting).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Empty(run.Refusals);
            var stored = (await database.Database.QueryAsync("""SELECT "DeviceId", "SampleId" FROM "Decisions" """,
                r => (r.GetString(0), r.GetString(1)))).ToHashSet();
            var missing = run.Acknowledged.Where(id => !stored.Contains(id)).ToList();
            Assert.True(missing.Count == 0,
                $"{missing.Count} of {run.Acknowledged.Count} acknowledged samples are not stored ({database.Provider}): {string.Join(", ", missing.Take(10))}");
            Assert.Equal(0L, await database.RepeatedDecisionsAsync());
            Assert.All(clients, c => Assert.Equal(b.Address, c.Server));
            Assert.All(clients.Where((_, d) => d % 2 == 0), c => Assert.True(c.GetStatistics().ServerSwitches >= 1));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>The devices' loops and what they saw: acknowledged (DeviceId, SampleId), answers after the kill, refusals.</summary>
    private sealed class FailoverRun(IReadOnlyList<CreatedDevice> devices, IReadOnlyList<HiDeviceClient> clients)
    {
        private readonly int[] _afterKill = new int[devices.Count];
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(Func<bool> Reached, TaskCompletionSource Signal)> _waits = [];
        private int _answered;
        private volatile bool _killed;

        public ConcurrentBag<(string DeviceId, string SampleId)> Acknowledged { get; } = [];

        public ConcurrentBag<string> Refusals { get; } = [];

        public Task Answered(int count) => When(() => Volatile.Read(ref _answered) >= count);

        public Task AnsweredAfterKillByEveryDevice(int count) => When(() => Enumerable.Range(0, _afterKill.Length).All(d => Volatile.Read(ref _afterKill[d]) >= count));

        public void Killed() => _killed = true;

        public Task PostUntilStoppedAsync() => Task.WhenAll(clients.Select((client, d) => Task.Run(() => PostAsync(client, d))));

        public async Task StopAsync(Task posting)
        {
            await _stop.CancelAsync();
            await posting;
            _stop.Dispose();
        }

        private async Task PostAsync(HiDeviceClient client, int d)
        {
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                var image = ((d * 97) + n) % Samples.Test.Count;
                var killedBefore = _killed;
                try
                {
                    var result = await client.ProcessAsync(Samples.Test.Sample(image).ToArray(), Samples.Test.Label(image), $"d{d}-{n}");
                    if (result.Status == OffloadStatus.Answered)
                    {
                        Acknowledged.Add((devices[d].DeviceId, result.SampleId!));
                        Interlocked.Increment(ref _answered);
                        if (killedBefore)
                        {
                            Interlocked.Increment(ref _afterKill[d]);
                        }
                    }
                }
                catch (HiDeviceException ex)
                {
                    Refusals.Add(ex.Message);
                }

                Signal();
            }
        }

        private Task When(Func<bool> reached)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waits)
            {
                _waits.Add((reached, signal));
            }

            Signal();
            return signal.Task;
        }

        private void Signal()
        {
            lock (_waits)
            {
                foreach (var wait in _waits.Where(w => w.Reached()))
                {
                    wait.Signal.TrySetResult();
                }
            }
        }
    }
}
