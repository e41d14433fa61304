using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Client;
using HiPortal.Client.Hosting;
using HiPortal.Contracts;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;

namespace HiPortal.Bench;

public sealed record ServedResult(
    string Config,
    int Devices,
    double SamplesPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MeanBatchSize,
    double ServerCpuMsPerSample,
    double ClientCpuMsPerSample,
    int Ok,
    IReadOnlyDictionary<string, int> Errors)
{
    /// <summary>Wall time of the model's executions per sample (the server's <c>hiportal.inference.duration</c>).</summary>
    public double ServerModelMsPerSample { get; init; }

    /// <summary>
    /// CPU of the threads that ran the model's executions, per sample (the server's <c>hiportal.inference.caller.cpu</c>):
    /// all of the model's CPU when each execution has one intra-op thread, to hold against raw CPU per sample.
    /// </summary>
    public double ServerModelCpuMsPerSample { get; init; }

    /// <summary>
    /// Time the server's JIT compiled during the window, per sample: non-zero while a fresh process is still warming up
    /// (tiered compilation), which a long-running server has long finished.
    /// </summary>
    public double ServerJitMsPerSample { get; init; }

    /// <summary>
    /// Bytes the server's managed code allocated during the window, per sample (the runtime's
    /// <c>dotnet.gc.heap.total_allocated</c>): what its collector has to clear, the part of the request path's cost that
    /// CPU time spreads over the garbage collector's threads.
    /// </summary>
    public double ServerAllocatedBytesPerSample { get; init; }

    /// <summary>Samples per call: 1 for single offloads, more behind gateways (the batched route).</summary>
    public int SamplesPerCall { get; init; } = 1;

    /// <summary>The large model (name@version) that answered.</summary>
    public string Model { get; init; } = "";

    /// <summary>Offloads/s over min(raw model at the batch size the server formed, the ceiling); see <see cref="BenchCeiling"/>.</summary>
    public double? BoundRatio { get; init; }

    /// <summary>Which bound was the lower: <c>raw batch N</c> or <c>ceiling</c>.</summary>
    public string? Bound { get; init; }
}

/// <summary>
/// (b)/(c) Closed-loop devices of one pair's fleet: each posts its next offload (binary form, the pair's test samples,
/// fresh sample ids) as soon as the previous one is answered. Latency is measured only inside the window after a
/// warm-up. A device's first answer must come from the pair's large model, or the run counts it as an error. With
/// several server processes (one database), device d posts to instance d mod n: the load is spread evenly over them.
/// </summary>
public static class LoadGenerator
{
    /// <summary>
    /// Registers the devices of one pair's fleet once per server, before its warm-up: registering them before each
    /// window made the admin path (EF Core's change tracker, the audit, key hashing) hot, and its tier-1 recompilation
    /// then ran inside the measured window (~1,300 methods, seen with <c>DOTNET_JitDisasmSummary</c>).
    /// </summary>
    public static async Task<string[]> RegisterAsync(ServerProcess server, BenchPair pair, string config, int devices)
    {
        var keys = new string[devices];
        using var admin = await BenchServer.SignInAsync(server);
        for (var d = 0; d < devices; d++)
        {
            keys[d] = (await admin.RegisterDeviceAsync($"{pair.Fleet}-{config}-{d}", pair.Fleet)).Key;
        }

        return keys;
    }

    /// <summary>
    /// The first <paramref name="devices"/> of <paramref name="keys"/> post closed-loop; <paramref name="run"/> makes
    /// this window's sample ids its own (the same devices serve every window).
    /// </summary>
    /// <remarks>
    /// With <paramref name="perCall"/> above 1 the devices sit behind gateways: each closed loop is one gateway posting
    /// <paramref name="perCall"/> samples per call on the batched binary route (<c>POST /api/v1/offloads/batch</c>), each
    /// with its own sample id; <c>ceil(devices / perCall)</c> gateways keep the same number of samples in flight as
    /// <paramref name="devices"/> single devices. Latency is then per call, and a sample counts once its item is answered
    /// with a result. Gateways always post binary frames; <paramref name="json"/> applies to single offloads only.
    /// </remarks>
    public static async Task<ServedResult> RunAsync(IReadOnlyList<ServerProcess> servers, string config, string run, BenchPair pair,
        IReadOnlyList<string> keys, int devices, TimeSpan warmup, TimeSpan window, bool json, int perCall = 1, CancellationToken stop = default)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var clients = servers.Select(s => new HiPortalClient(s.Address, handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) }).ToArray();
        try
        {
            return await RunAsync(servers, clients, config, run, pair, keys, devices, warmup, window, json, Math.Max(1, perCall), stop);
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    private static async Task<ServedResult> RunAsync(IReadOnlyList<ServerProcess> servers, HiPortalClient[] clients, string config,
        string run, BenchPair pair, IReadOnlyList<string> keys, int devices, TimeSpan warmup, TimeSpan window, bool json, int perCall,
        CancellationToken stop)
    {
        var samples = pair.Samples;
        // As many samples in flight as `devices` single devices: one closed loop per device, or per gateway of perCall.
        perCall = Math.Min(perCall, devices);
        var loops = (devices + perCall - 1) / perCall;
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var measureUntil = warmup + window;
        var latencies = new List<double>[loops];
        var answered = new int[loops];
        var errors = new Dictionary<string, int>[loops];
        var before = default(MetricSnapshot);
        var after = default(MetricSnapshot);
        TimeSpan serverCpuBefore = default, serverCpuAfter = default, clientCpuBefore = default, clientCpuAfter = default;
        // A window cut short by `stop` (the warm-up ends once the JIT settles) is measured over the time it ran.
        var measured = window;
        using var self = Process.GetCurrentProcess();
        var snapshots = Task.Run(async () =>
        {
            await Task.Delay(measureFrom, CancellationToken.None);
            before = await MetricSnapshot.ReadAsync(clients);
            serverCpuBefore = CpuTime(servers);
            self.Refresh();
            clientCpuBefore = self.TotalProcessorTime;
            try
            {
                await Task.Delay(window, stop);
            }
            catch (OperationCanceledException)
            {
                measured = clock.Elapsed - measureFrom;
                measureUntil = clock.Elapsed;
            }

            after = await MetricSnapshot.ReadAsync(clients);
            serverCpuAfter = CpuTime(servers);
            self.Refresh();
            clientCpuAfter = self.TotalProcessorTime;
        }, CancellationToken.None);
        var tasks = Enumerable.Range(0, loops).Select(d => Task.Run(async () =>
        {
            latencies[d] = [];
            errors[d] = [];
            var sequence = 0;
            while (clock.Elapsed < measureUntil && !stop.IsCancellationRequested)
            {
                var first = sequence == 0;
                using var request = perCall == 1
                    ? BuildRequest(keys[d], $"{run}-{d}-{sequence}", samples, ((d * 7919) + sequence) % samples.Count, json)
                    : BuildBatchRequest(keys[d], $"{run}-{d}-{sequence}", samples, (d * 7919) + (sequence * perCall), perCall);
                sequence++;
                var started = clock.Elapsed;
                string? outcome;
                var ok = 0;
                try
                {
                    using var response = await clients[d % clients.Length].SendAsync(request);
                    await response.Content.LoadIntoBufferAsync();
                    outcome = response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                    if (outcome is null && perCall == 1)
                    {
                        ok = 1;
                        if (first)
                        {
                            var answer = await response.Content.ReadFromJsonAsync(ContractsJson.Default.OffloadResponse);
                            if (answer is null || (answer.Model, answer.ModelVersion) != (pair.Large.Name, pair.Large.Version))
                                errors[d]["wrong-model"] = errors[d].GetValueOrDefault("wrong-model") + 1;
                        }
                    }
                    else if (outcome is null)
                    {
                        // Every item is answered on its own: count the answered ones, and name the others' statuses.
                        var answer = await response.Content.ReadFromJsonAsync(ContractsJson.Default.OffloadBatchResponse);
                        foreach (var item in answer?.Items ?? [])
                        {
                            if (item.Result is { } result)
                            {
                                ok++;
                                if (first && (result.Model, result.ModelVersion) != (pair.Large.Name, pair.Large.Version))
                                    errors[d]["wrong-model"] = errors[d].GetValueOrDefault("wrong-model") + 1;
                            }
                        }

                        outcome = ok == perCall ? null : $"items-{(answer?.Items ?? []).FirstOrDefault(i => i.Result is null)?.Status ?? 0}";
                    }
                }
                catch (HttpRequestException ex)
                {
                    outcome = ex.HttpRequestError.ToString();
                }

                var finished = clock.Elapsed;
                if (started >= measureFrom && finished <= measureUntil)
                {
                    answered[d] += ok;
                    if (outcome is null)
                    {
                        latencies[d].Add((finished - started).TotalMilliseconds);
                    }
                    else
                    {
                        errors[d][outcome] = errors[d].GetValueOrDefault(outcome) + (perCall - ok);
                    }
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(tasks);
        await snapshots;

        var all = latencies.SelectMany(l => l).Order().ToArray();
        var samplesAnswered = answered.Sum();
        var errorTotals = errors.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var executions = after.Executions - before.Executions;
        return new ServedResult(config, devices, samplesAnswered / measured.TotalSeconds, Percentile(all, 0.50),
            Percentile(all, 0.95), Percentile(all, 0.99), executions > 0 ? (after.Inferences - before.Inferences) / executions : 0,
            PerSample(serverCpuAfter - serverCpuBefore, samplesAnswered), PerSample(clientCpuAfter - clientCpuBefore, samplesAnswered),
            samplesAnswered, errorTotals)
        {
            ServerModelMsPerSample = PerSample(TimeSpan.FromSeconds(after.ModelSeconds - before.ModelSeconds), samplesAnswered),
            ServerModelCpuMsPerSample = PerSample(TimeSpan.FromSeconds(after.ModelCpuSeconds - before.ModelCpuSeconds), samplesAnswered),
            ServerJitMsPerSample = PerSample(TimeSpan.FromSeconds(after.JitSeconds - before.JitSeconds), samplesAnswered),
            ServerAllocatedBytesPerSample = samplesAnswered > 0 ? (after.AllocatedBytes - before.AllocatedBytes) / samplesAnswered : 0,
            SamplesPerCall = perCall,
        };
    }

    /// <summary>One device's offload on the shared connection pool: the device's key on the request, not the client.</summary>
    private static HttpRequestMessage BuildRequest(string key, string sampleId, LabelledSamples samples, int index, bool json)
    {
        var label = samples.Label(index);
        var datatype = samples.Datatype.Name();
        var request = json
            ? new HttpRequestMessage(HttpMethod.Post, Routes.Offloads)
            {
                Content = JsonContent.Create(new OffloadRequest
                {
                    SampleId = sampleId,
                    Input = new SampleInput { Datatype = datatype, Shape = [samples.SampleLength], Data = Convert.ToBase64String(samples.Sample(index)) },
                    Local = new LocalDecision { PredictedClass = label, Confidence = 0.5, InferenceMicros = 1000 },
                    Label = label,
                }, ContractsJson.Default.OffloadRequest),
            }
            : new BinaryOffload(sampleId, samples.Sample(index).ToArray(), label, 0.5) { Label = label, Datatype = datatype }.ToRequest();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    /// <summary>One gateway's call: <paramref name="count"/> binary frames from consecutive test samples, each its own sample id.</summary>
    private static HttpRequestMessage BuildBatchRequest(string key, string callId, LabelledSamples samples, int first, int count)
    {
        var request = HiPortalClient.BatchRequest(Enumerable.Range(0, count).Select(i =>
        {
            var index = (first + i) % samples.Count;
            var label = samples.Label(index);
            return new BinaryOffload($"{callId}-{i}", samples.Sample(index).ToArray(), label, 0.5) { Label = label, Datatype = samples.Datatype.Name() };
        }));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    /// <summary>Seconds the server's JIT has spent compiling since it started (from its <c>/metrics</c> text).</summary>
    public static double JitSeconds(string metrics) => MetricSnapshot.Parse(metrics).JitSeconds;

    private static TimeSpan CpuTime(IReadOnlyList<ServerProcess> servers) => TimeSpan.FromTicks(servers.Sum(s => s.CpuTime.Ticks));

    private static double PerSample(TimeSpan cpu, int samples) => samples == 0 ? double.NaN : cpu.TotalMilliseconds / samples;

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private readonly record struct MetricSnapshot(double Inferences, double Executions, double ModelSeconds, double JitSeconds,
        double ModelCpuSeconds, double AllocatedBytes)
    {
        /// <summary>The counters summed over every instance.</summary>
        public static async Task<MetricSnapshot> ReadAsync(HiPortalClient[] clients)
        {
            var all = await Task.WhenAll(clients.Select(async c => Parse(await c.MetricsAsync())));
            return new MetricSnapshot(all.Sum(m => m.Inferences), all.Sum(m => m.Executions), all.Sum(m => m.ModelSeconds),
                all.Sum(m => m.JitSeconds), all.Sum(m => m.ModelCpuSeconds), all.Sum(m => m.AllocatedBytes));
        }

        public static MetricSnapshot Parse(string text)
        {
            double Read(string name) => text.Split('\n')
                .Where(l => l.StartsWith(name, StringComparison.Ordinal))
                .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
                .FirstOrDefault();
            return new MetricSnapshot(Read("hiportal_inferences_total"), Read("hiportal_executions_total"),
                Read("hiportal_inference_duration_seconds_sum"), Read("dotnet_jit_compilation_time_seconds_total"),
                Read("hiportal_inference_caller_cpu_seconds_total"), Read("dotnet_gc_heap_total_allocated_bytes_total"));
        }
    }
}
