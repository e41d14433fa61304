using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiPortal.Client;
using HiPortal.Contracts;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using HiPortal.Server.OpenInference.Grpc;

namespace HiPortal.Bench;

/// <summary>One transport's closed-loop run: samples answered per second and the server's CPU per sample.</summary>
public sealed record TransportResult(string Transport, int Clients, int SamplesPerCall, double SamplesPerSecond, double CallsPerSecond,
    double ServerCpuMicrosPerSample, int Samples, int Errors);

/// <summary>
/// <c>transports</c>: one server, the same large model, three ways in, each closed loop for the same window after a
/// warm-up: single binary offloads, binary batches of <c>--batch</c> offloads, and gRPC <c>ModelInfer</c> calls of
/// <c>--batch</c> samples (raw contents, over cleartext HTTP/2 on an extra h2c endpoint); then the same single
/// offloads against bare Kestrel (<see cref="KestrelFloor"/>), the floor under any one-request-per-sample server.
/// Ratios within one run are what to read: the machine is shared.
/// </summary>
public static class TransportBatchedBenchmark
{
    public static async Task<IReadOnlyList<TransportResult>> RunAsync(int clients, int batch, TimeSpan window, string dataDirectory,
        string model, double warmupSeconds)
    {
        // The trivial model by default: next to no inference, so what is measured is each transport's own cost (the
        // ceiling the "batched >= 5x single" is about); a real model caps all three at its own rate.
        var pair = BenchModels.Select(model, allPairs: false, FashionMnist.Load(FashionMnistSplit.Test, dataDirectory).Take(1024))[0];
        var samples = pair.Samples;
        var grpcPort = FreePort();
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string>
        {
            // Endpoints bind in key order: "Http" first, so the plain-HTTP address the bench reads is still the HTTP/1.1 one.
            ["Kestrel:Endpoints:Http2Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Http2Grpc:Protocols"] = "Http2",
            ["OffloadBatch:MaxItems"] = Math.Max(batch, 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, [pair]);
        var keys = new List<string>();
        using (var admin = await BenchServer.SignInAsync(server))
        {
            for (var c = 0; c < clients; c++)
            {
                keys.Add((await admin.RegisterDeviceAsync($"transport-{c}", pair.Fleet)).Key);
            }
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4096 };
        using var http = new HiPortalClient(server.Address, handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        // The floor: the same client and body against bare Kestrel in a process of its own (see KestrelFloor).
        await using var floor = await KestrelFloor.Process.StartAsync();
        using var floorHttp = new HiPortalClient(floor.Address, handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        Func<TimeSpan> serverCpu = () => server.CpuTime, floorCpu = () => floor.CpuTime;
        var runs = new (string Name, int PerCall, Func<TimeSpan> Cpu, Func<int, int, Task<bool>> Call)[]
        {
            ("REST single", 1, serverCpu, (c, n) => PostSingleAsync(http, keys[c], samples, c, n)),
            ("REST batched", batch, serverCpu, (c, n) => PostBatchAsync(http, keys[c], samples, c, n, batch)),
            ("gRPC ModelInfer", batch, serverCpu, (c, n) => InferAsync(grpc, keys[c], pair.Large, samples, n, batch)),
            ("bare Kestrel floor", 1, floorCpu, (c, n) => PostSingleAsync(floorHttp, keys[c], samples, c, n)),
        };
        // A fresh server JIT-compiles its hot paths for its first tens of seconds under load (see BenchRun.WarmAsync):
        // every transport runs unmeasured first, so no window pays for another's warm-up.
        foreach (var (name, perCall, cpu, call) in runs)
        {
            await MeasureAsync(cpu, name, clients, perCall, TimeSpan.FromSeconds(warmupSeconds / runs.Length), call);
        }

        var results = new List<TransportResult>();
        foreach (var (name, perCall, cpu, call) in runs)
        {
            results.Add(await MeasureAsync(cpu, name, clients, perCall, window, call));
        }

        return results;
    }

    private static async Task<TransportResult> MeasureAsync(Func<TimeSpan> cpuTime, string name, int clients, int perCall, TimeSpan window,
        Func<int, int, Task<bool>> call)
    {
        var warmup = TimeSpan.FromSeconds(Math.Min(2, window.TotalSeconds / 2));
        var clock = Stopwatch.StartNew();
        var ok = new int[clients];
        var errors = new int[clients];
        TimeSpan cpuBefore = default, cpuAfter = default;
        var marks = Task.Run(async () =>
        {
            await Task.Delay(warmup);
            cpuBefore = cpuTime();
            await Task.Delay(window);
            cpuAfter = cpuTime();
        });
        var loops = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var n = 0; clock.Elapsed < warmup + window; n++)
            {
                var started = clock.Elapsed;
                var success = await call(c, n);
                if (started >= warmup && clock.Elapsed <= warmup + window)
                {
                    if (success)
                        ok[c]++;
                    else
                        errors[c]++;
                }
            }
        })).ToArray();
        await Task.WhenAll(loops);
        await marks;
        var calls = ok.Sum();
        var sampleCount = calls * perCall;
        return new TransportResult(name, clients, perCall, sampleCount / window.TotalSeconds, calls / window.TotalSeconds,
            sampleCount == 0 ? double.NaN : (cpuAfter - cpuBefore).TotalMicroseconds / sampleCount, sampleCount, errors.Sum());
    }

    private static BinaryOffload Offload(LabelledSamples samples, int client, int n, int item = 0)
    {
        var index = ((client * 7919) + (n * 31) + item) % samples.Count;
        return new BinaryOffload($"t{client}-{n}-{item}-{Guid.NewGuid():n}", samples.Sample(index).ToArray(), samples.Label(index), 0.5)
        {
            Label = samples.Label(index),
        };
    }

    private static async Task<bool> PostSingleAsync(HiPortalClient http, string key, LabelledSamples samples, int client, int n)
    {
        using var request = Offload(samples, client, n).ToRequest();
        return await SendAsync(http, key, request);
    }

    private static async Task<bool> PostBatchAsync(HiPortalClient http, string key, LabelledSamples samples, int client, int n, int batch)
    {
        using var request = HiPortalClient.BatchRequest(Enumerable.Range(0, batch).Select(i => Offload(samples, client, n, i)));
        return await SendAsync(http, key, request, batch);
    }

    private static async Task<bool> SendAsync(HiPortalClient http, string key, HttpRequestMessage request, int? items = null)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
                return false;
            if (items is null)
            {
                await response.Content.LoadIntoBufferAsync();
                return true;
            }

            var answer = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync(response.Content, ContractsJson.Default.OffloadBatchResponse);
            return answer?.Succeeded == items;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<bool> InferAsync(GRPCInferenceService.GRPCInferenceServiceClient grpc, string key, ModelCard model,
        LabelledSamples samples, int n, int batch)
    {
        var start = (n * batch) % (samples.Count - batch);
        var request = new ModelInferRequest
        {
            ModelName = model.Name,
            ModelVersion = model.Version,
            Inputs =
            {
                new ModelInferRequest.Types.InferInputTensor { Name = model.Input.Name, Datatype = samples.Datatype.Name(), Shape = { batch, samples.SampleLength } },
            },
        };
        var bytes = new byte[batch * samples.SampleBytes];
        for (var i = 0; i < batch; i++)
            samples.Sample(start + i).CopyTo(bytes.AsSpan(i * samples.SampleBytes));
        request.RawInputContents.Add(ByteString.CopyFrom(bytes));
        try
        {
            await grpc.ModelInferAsync(request, new Metadata { { "authorization", $"Bearer {key}" } });
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
