using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Client;
using HiPortal.Client.Hosting;
using HiPortal.Contracts;
using HiPortal.Core.Data;

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
    /// <summary>The large model (name@version) that answered.</summary>
    public string Model { get; init; } = "";
}

/// <summary>
/// (b)/(c) Closed-loop devices: each posts its next offload (binary form, real test images, fresh sample ids) as
/// soon as the previous one is answered. Latency is measured only inside the window after a warm-up.
/// </summary>
public static class LoadGenerator
{
    public static async Task<ServedResult> RunAsync(ServerProcess server, string config, int devices, LabelledImages images,
        TimeSpan warmup, TimeSpan window, bool json)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HiPortalClient(server.Address, handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        var keys = new string[devices];
        using (var admin = await BenchServer.SignInAsync(server))
        {
            for (var d = 0; d < devices; d++)
            {
                keys[d] = (await admin.RegisterDeviceAsync($"bench-{config}-{devices}-{d}", "default")).Key;
            }
        }

        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var measureUntil = warmup + window;
        var latencies = new List<double>[devices];
        var errors = new Dictionary<string, int>[devices];
        var before = default(MetricSnapshot);
        var after = default(MetricSnapshot);
        TimeSpan serverCpuBefore = default, serverCpuAfter = default, clientCpuBefore = default, clientCpuAfter = default;
        using var self = Process.GetCurrentProcess();
        var snapshots = Task.Run(async () =>
        {
            await Task.Delay(measureFrom);
            before = MetricSnapshot.Parse(await client.MetricsAsync());
            serverCpuBefore = server.CpuTime;
            self.Refresh();
            clientCpuBefore = self.TotalProcessorTime;
            await Task.Delay(window);
            after = MetricSnapshot.Parse(await client.MetricsAsync());
            serverCpuAfter = server.CpuTime;
            self.Refresh();
            clientCpuAfter = self.TotalProcessorTime;
        });
        var tasks = Enumerable.Range(0, devices).Select(d => Task.Run(async () =>
        {
            latencies[d] = [];
            errors[d] = [];
            var sequence = 0;
            while (clock.Elapsed < measureUntil)
            {
                var index = ((d * 7919) + sequence) % images.Count;
                using var request = BuildRequest(keys[d], $"{d}-{sequence++}", images, index, json);
                var started = clock.Elapsed;
                string? outcome;
                try
                {
                    using var response = await client.SendAsync(request);
                    await response.Content.LoadIntoBufferAsync();
                    outcome = response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                }
                catch (HttpRequestException ex)
                {
                    outcome = ex.HttpRequestError.ToString();
                }

                var finished = clock.Elapsed;
                if (started >= measureFrom && finished <= measureUntil)
                {
                    if (outcome is null)
                    {
                        latencies[d].Add((finished - started).TotalMilliseconds);
                    }
                    else
                    {
                        errors[d][outcome] = errors[d].GetValueOrDefault(outcome) + 1;
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await snapshots;

        var all = latencies.SelectMany(l => l).Order().ToArray();
        var errorTotals = errors.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var executions = after.Executions - before.Executions;
        return new ServedResult(config, devices, all.Length / window.TotalSeconds, Percentile(all, 0.50),
            Percentile(all, 0.95), Percentile(all, 0.99), executions > 0 ? (after.Inferences - before.Inferences) / executions : 0,
            PerSample(serverCpuAfter - serverCpuBefore, all.Length), PerSample(clientCpuAfter - clientCpuBefore, all.Length),
            all.Length, errorTotals);
    }

    /// <summary>One device's offload on the shared connection pool: the device's key on the request, not the client.</summary>
    private static HttpRequestMessage BuildRequest(string key, string sampleId, LabelledImages images, int index, bool json)
    {
        var label = images.Label(index);
        var request = json
            ? new HttpRequestMessage(HttpMethod.Post, Routes.Offloads)
            {
                Content = JsonContent.Create(OffloadRequests.Image(sampleId, images.Image(index), label, 0.5, label, localMicros: 1000),
                    ContractsJson.Default.OffloadRequest),
            }
            : new BinaryOffload(sampleId, images.Image(index).ToArray(), label, 0.5) { Label = label }.ToRequest();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static double PerSample(TimeSpan cpu, int samples) => samples == 0 ? double.NaN : cpu.TotalMilliseconds / samples;

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private readonly record struct MetricSnapshot(double Inferences, double Executions)
    {
        public static MetricSnapshot Parse(string text)
        {
            double Read(string name) => text.Split('\n')
                .Where(l => l.StartsWith(name, StringComparison.Ordinal))
                .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
                .FirstOrDefault();
            return new MetricSnapshot(Read("hiportal_inferences_total"), Read("hiportal_executions_total"));
        }
    }
}
