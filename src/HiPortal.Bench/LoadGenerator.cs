using HiPortal.Contracts;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
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
    IReadOnlyDictionary<string, int> Errors);

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
        using var client = new HttpClient(handler) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var keys = new string[devices];
        for (var d = 0; d < devices; d++)
        {
            keys[d] = await server.CreateDeviceKeyAsync(client, $"bench-{config}-{devices}-{d}");
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
            before = MetricSnapshot.Parse(await server.MetricsAsync(client));
            serverCpuBefore = server.CpuTime;
            self.Refresh();
            clientCpuBefore = self.TotalProcessorTime;
            await Task.Delay(window);
            after = MetricSnapshot.Parse(await server.MetricsAsync(client));
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

    private static HttpRequestMessage BuildRequest(string key, string sampleId, LabelledImages images, int index, bool json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/offloads");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var label = images.Label(index);
        if (json)
        {
            var body = JsonSerializer.Serialize(new
            {
                sampleId,
                input = new { datatype = "UINT8", shape = new[] { 1, Core.Codec.SampleCodec.Height, Core.Codec.SampleCodec.Width }, data = Convert.ToBase64String(images.Image(index)) },
                local = new { predictedClass = (int)label, confidence = 0.5, inferenceMicros = 1000 },
                label = (int)label,
            });
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            return request;
        }

        request.Content = new ByteArrayContent(images.Image(index).ToArray());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add(WireHeaders.SampleId, sampleId);
        request.Headers.Add(WireHeaders.LocalClass, label.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WireHeaders.LocalConfidence, "0.5");
        request.Headers.Add(WireHeaders.Label, label.ToString(CultureInfo.InvariantCulture));
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
