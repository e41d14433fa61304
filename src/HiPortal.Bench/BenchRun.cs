using System.Globalization;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using Spectre.Console;

namespace HiPortal.Bench;

public sealed record BenchOptions(int[] Devices, TimeSpan Window, int MaxBatch, double MaxDelayMs, ExecutionProvider Provider,
    bool Spin, bool JsonBody, string Output, string Data, string Model = "fashion-large", bool AllPairs = false, int Instances = 1,
    int Servers = 1, double ServerWarmupSeconds = 10, string Ceiling = BenchCeiling.DefaultModel, int Gateway = 0,
    IReadOnlyDictionary<string, string>? ServerEnvironment = null, int RawRounds = 3);

public sealed record GoalCheck(string Goal, double Measured, double Target, bool Met);

public sealed record BenchReport(
    string Machine,
    string Provider,
    string Body,
    bool Spinning,
    int MaxBatchSize,
    double MaxQueueDelayMs,
    IReadOnlyList<RawResult> Raw,
    IReadOnlyList<ServedResult> Served,
    IReadOnlyList<GoalCheck> Goals);

public static class BenchRun
{
    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        var images = FashionMnist.Load(FashionMnistSplit.Test, options.Data).Take(2000);
        var pairs = BenchModels.Select(options.Model, options.AllPairs, images);
        // The ceiling model is served beside the measured pairs (its own fleet), never run raw.
        var (ceiling, ceilingModel) = BenchCeiling.Select(options.Ceiling, pairs, images);
        List<BenchPair> servedPairs = ceiling is null ? pairs : [.. pairs, ceiling];
        // Raw sweeps bracket the served runs: all but one before them, the last after, so a machine that slows down or
        // speeds up meanwhile moves the raw reads too; each configuration is then judged by its median read.
        var rawReads = new List<RawResult>();
        for (var round = 1; round <= Math.Max(1, options.RawRounds - 1); round++)
            rawReads.AddRange(RawSweep(pairs, options, round));

        var served = new List<ServedResult>();
        Dictionary<string, string> Dynamic(int instances) => new()
        {
            ["Batching:MaxBatchSize"] = options.MaxBatch.ToString(CultureInfo.InvariantCulture),
            ["Batching:MaxQueueDelay"] = TimeSpan.FromMilliseconds(options.MaxDelayMs).ToString(),
            ["Batching:Instances"] = instances.ToString(CultureInfo.InvariantCulture),
        };
        var configs = new List<(string Name, Dictionary<string, string> Settings, int PerCall)>
        {
            ("dynamic", Dynamic(1), 1),
            ("batch-1", new() { ["Batching:MaxBatchSize"] = "1", ["Batching:MaxQueueDelay"] = "00:00:00", ["Batching:Instances"] = "1" }, 1),
        };
        // Several batches in flight (Batching:Instances) beside one, in the same run.
        if (options.Instances > 1)
        {
            configs.Insert(1, ($"dynamic-x{options.Instances}", Dynamic(options.Instances), 1));
        }

        // The same devices behind gateways (the batched route, --gateway samples per call), on the server's best
        // threading: what the server costs once a request carries more than one sample.
        if (options.Gateway > 1)
        {
            var gateway = Dynamic(Math.Max(1, options.Instances));
            gateway["OffloadBatch:MaxItems"] = Math.Max(256, options.Gateway).ToString(CultureInfo.InvariantCulture);
            configs.Add(($"{GatewayPrefix}{options.Gateway}", gateway, options.Gateway));
        }

        foreach (var (name, settings, perCall) in configs)
        {
            settings["Inference:Provider"] = options.Provider.ToString();
            settings["Inference:AllowSpinning"] = options.Spin ? "true" : "false";
            if (options.ServerEnvironment is { } environment)
            {
                foreach (var (variable, value) in environment)
                    settings[variable] = value;
            }
            await using var servers = await BenchServers.StartAsync(options.Servers, settings, servedPairs);
            var keys = new Dictionary<string, string[]>();
            foreach (var pair in servedPairs)
                keys[pair.Fleet] = await LoadGenerator.RegisterAsync(servers.Instances[0], pair, name, options.Devices.Max());
            await WarmAsync(servers, name, servedPairs, keys, options, perCall);
            // Pair after pair on the same server, each behind its own fleet: the server routes by the device's fleet.
            foreach (var pair in servedPairs)
            {
                foreach (var devices in options.Devices)
                {
                    var result = await LoadGenerator.RunAsync(servers.Instances, name, $"{devices}", pair, keys[pair.Fleet], devices,
                        TimeSpan.FromSeconds(1.5), options.Window, options.JsonBody, perCall: perCall);
                    AnsiConsole.MarkupLineInterpolated(
                        $"{pair.Large.Name,-16} {name,-8} {devices,4} devices: {result.SamplesPerSecond,8:0} offloads/s  p50 {result.P50Ms,7:0.00} ms  p99 {result.P99Ms,7:0.00} ms  mean batch {result.MeanBatchSize:0.0}  server CPU {result.ServerCpuMsPerSample * 1000:0} µs/offload (JIT {result.ServerJitMsPerSample * 1000:0})  allocated {result.ServerAllocatedBytesPerSample / 1024:0.0} KiB/offload");
                    served.Add(result with { Model = pair.Large.Reference });
                }
            }

            // The server's own histograms (queue wait, inference, store, end to end) say where the time went.
            Directory.CreateDirectory(options.Output);
            for (var i = 0; i < servers.Instances.Count; i++)
            {
                using var metricsClient = servers.Instances[i].CreateClient();
                var file = i == 0 ? $"metrics-{name}.txt" : $"metrics-{name}.{i}.txt";
                await File.WriteAllTextAsync(Path.Combine(options.Output, file), await metricsClient.MetricsAsync());
            }
        }

        if (options.RawRounds > 1)
            rawReads.AddRange(RawSweep(pairs, options, options.RawRounds));
        var raw = RawBenchmark.Median(rawReads);
        served = BenchCeiling.Bound(served, raw, ceilingModel);
        var goals = pairs.SelectMany(pair => Goals(pair.Large.Reference, raw, served, options)).ToList();
        Print(raw, served, goals);
        PrintPairs(pairs, raw, served, options);
        return new BenchReport($"{Environment.ProcessorCount} cores, {Environment.OSVersion}", options.Provider.ToString(),
            options.JsonBody ? "json" : "binary", options.Spin, options.MaxBatch, options.MaxDelayMs, raw, served, goals);
    }

    /// <summary>One raw sweep of every pair: each batch size with one execution in flight and, with --instances, with that many.</summary>
    private static List<RawResult> RawSweep(List<BenchPair> pairs, BenchOptions options, int round)
    {
        var raw = new List<RawResult>();
        foreach (var pair in pairs)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]raw[/] {round}/{options.RawRounds}: {pair.Large.Reference} on {options.Provider}, {Environment.ProcessorCount} cores");
            using (var model = OnnxClassifier.Load(ModelLayout.OnnxPath(pair.LargeDirectory), pair.Large, options.Provider, allowSpinning: options.Spin))
                raw.AddRange(RawBenchmark.Run(model, pair.Samples, RawBenchmark.BatchSizes, RawBenchmark.ReadDuration));
            if (options.Instances > 1)
            {
                // Raw gets what dynamic-xN gets: N executions in flight, each with the server's default share of the
                // cores on the CPU (Inference:IntraOpThreads 0), so served/raw never credits the server with a
                // threading the raw loop lacked.
                var threads = new HiPortal.Server.Inference.InferenceOptions { Provider = options.Provider }.ThreadsPerExecution(options.Instances);
                using var shared = OnnxClassifier.Load(ModelLayout.OnnxPath(pair.LargeDirectory), pair.Large, options.Provider,
                    intraOpThreads: threads, allowSpinning: options.Spin);
                raw.AddRange(RawBenchmark.Run(shared, pair.Samples, RawBenchmark.BatchSizes, RawBenchmark.ReadDuration, options.Instances));
            }
        }

        return raw;
    }

    /// <summary>
    /// A fresh server process spends its first tens of seconds under load JIT-compiling its hot paths again (tiered
    /// compilation: quick code first, optimised code once a method is hot), which a long-running server finished long
    /// ago, and the raw loop (native ONNX Runtime, warmed per batch size) never pays. On 2 cores that took 30-80 s at
    /// saturation, up to most of a core in the JIT; unwarmed, it landed in the first pair's windows. So every pair is driven
    /// at saturation (the run's largest device count) until the server's JIT has settled: less than
    /// <see cref="SettledJitShare"/> of the wall clock spent in the JIT over two <see cref="s_jitProbe"/> reads in a row,
    /// or <c>--server-warmup</c> seconds at most.
    /// </summary>
    private static async Task WarmAsync(BenchServers servers, string config, List<BenchPair> pairs, Dictionary<string, string[]> keys,
        BenchOptions options, int perCall)
    {
        if (options.ServerWarmupSeconds <= 0)
            return;
        foreach (var pair in pairs)
        {
            using var settled = new CancellationTokenSource(TimeSpan.FromSeconds(options.ServerWarmupSeconds));
            var started = System.Diagnostics.Stopwatch.StartNew();
            var load = LoadGenerator.RunAsync(servers.Instances, config, "warm", pair, keys[pair.Fleet], options.Devices.Max(),
                TimeSpan.Zero, TimeSpan.FromSeconds(options.ServerWarmupSeconds), options.JsonBody, perCall, settled.Token);
            var quiet = 0;
            var jit = await JitSecondsAsync(servers);
            while (!load.IsCompleted && quiet < 2)
            {
                await Task.WhenAny(load, Task.Delay(s_jitProbe));
                var now = await JitSecondsAsync(servers);
                quiet = now - jit < SettledJitShare * s_jitProbe.TotalSeconds ? quiet + 1 : 0;
                jit = now;
            }

            await settled.CancelAsync();
            var warm = await load;
            AnsiConsole.MarkupLineInterpolated(
                $"{pair.Large.Name,-16} {config,-8} warm-up: {started.Elapsed.TotalSeconds:0} s{(quiet < 2 ? " (JIT still busy at the cap)" : "")}, {warm.SamplesPerSecond,8:0} samples/s, server CPU {warm.ServerCpuMsPerSample:0.000} ms/sample (JIT {warm.ServerJitMsPerSample:0.000})");
        }
    }

    private static readonly TimeSpan s_jitProbe = TimeSpan.FromSeconds(2);

    private const double SettledJitShare = 0.01;

    private static async Task<double> JitSecondsAsync(BenchServers servers)
    {
        var total = 0.0;
        foreach (var server in servers.Instances)
        {
            using var client = server.CreateClient();
            total += LoadGenerator.JitSeconds(await client.MetricsAsync());
        }

        return total;
    }

    /// <summary>The best raw run at a batch the server can form (≤ MaxBatchSize) for one model.</summary>
    private static RawResult? RawBest(string model, List<RawResult> raw, BenchOptions options) =>
        raw.Where(r => r.Model == model && r.BatchSize <= options.MaxBatch).MaxBy(r => r.SamplesPerSecond);

    private static ServedResult? ServedBest(string model, string config, List<ServedResult> served) =>
        served.Where(s => s.Model == model && s.Config == config).MaxBy(s => s.SamplesPerSecond);

    /// <summary>The configuration whose devices sit behind gateways (<c>gateway-N</c>: N samples per call).</summary>
    public const string GatewayPrefix = "gateway-";

    private static ServedResult? GatewayBest(string model, List<ServedResult> served) =>
        served.Where(s => s.Model == model && s.Config.StartsWith(GatewayPrefix, StringComparison.Ordinal)).MaxBy(s => s.SamplesPerSecond);

    /// <summary>The best dynamic-batching run, with one batch in flight or several (the server's best configuration).</summary>
    private static ServedResult? DynamicBest(string model, List<ServedResult> served) =>
        served.Where(s => s.Model == model && s.Config.StartsWith("dynamic", StringComparison.Ordinal)).MaxBy(s => s.SamplesPerSecond);

    private static List<GoalCheck> Goals(string model, List<RawResult> raw, List<ServedResult> served, BenchOptions options)
    {
        var goals = new List<GoalCheck>();
        var dynamic = served.Where(s => s.Model == model && s.Config == "dynamic").ToList();
        var batchOne = served.Where(s => s.Model == model && s.Config == "batch-1").ToList();
        var saturated = DynamicBest(model, served);
        var rawAtMax = RawBest(model, raw, options);
        if (saturated is not null && rawAtMax is not null)
        {
            var ratio = saturated.SamplesPerSecond / rawAtMax.SamplesPerSecond;
            goals.Add(new GoalCheck($"{model}: served/raw throughput at saturation ({saturated.Config}, {saturated.Devices} devices vs raw best: batch {rawAtMax.BatchSize}, {rawAtMax.Executions} in flight)", ratio, 0.85, ratio >= 0.85));
        }

        // The same bound for the gateway form, checked apart: a single-sample request pays the transport once per sample.
        if (GatewayBest(model, served) is { } gateway && rawAtMax is not null)
        {
            var ratio = gateway.SamplesPerSecond / rawAtMax.SamplesPerSecond;
            goals.Add(new GoalCheck($"{model}: served/raw at saturation behind gateways ({gateway.Config}, {gateway.Devices} devices vs raw best)", ratio, 0.85, ratio >= 0.85));
        }

        var d64 = dynamic.FirstOrDefault(s => s.Devices == 64);
        var b64 = batchOne.FirstOrDefault(s => s.Devices == 64);
        if (d64 is not null && b64 is not null)
        {
            var ratio = d64.SamplesPerSecond / b64.SamplesPerSecond;
            goals.Add(new GoalCheck($"{model}: dynamic batching / batch-1 server at 64 devices", ratio, 2.0, ratio >= 2.0));
        }

        var d8 = dynamic.FirstOrDefault(s => s.Devices == 8);
        var raw8 = raw.FirstOrDefault(r => r.Model == d8?.Model && r.BatchSize == 8 && r.Executions == 1);
        if (d8 is not null && raw8 is not null)
        {
            var bound = options.MaxDelayMs + (3 * raw8.MillisecondsPerBatch);
            goals.Add(new GoalCheck($"{model}: p99 at 8 devices (ms) <= MaxQueueDelay + 3 x batch-8 compute = {bound:0.00} ms", d8.P99Ms, bound, d8.P99Ms <= bound));
        }

        return goals;
    }

    private static void Print(List<RawResult> raw, List<ServedResult> served, List<GoalCheck> goals)
    {
        var rawTable = new Table().Title("(a) raw ONNX Runtime, large models");
        rawTable.AddColumns("model", "in flight", "batch", "samples/s (median read)", "reads", "ms/batch", "CPU ms/sample");
        foreach (var r in raw)
        {
            rawTable.AddRow(Markup.Escape(r.Model), $"{r.Executions}", $"{r.BatchSize}", $"{r.SamplesPerSecond:0}",
                r.Reads is { Count: > 1 } reads ? string.Join(" ", reads.Select(v => $"{v:0}")) : "-", $"{r.MillisecondsPerBatch:0.000}", $"{r.CpuMsPerSample:0.000}");
        }

        var servedTable = new Table().Title("(b) dynamic batching and (c) MaxBatchSize = 1, served over loopback HTTP");
        servedTable.AddColumns("model", "server", "devices", "offloads/s", "p50 ms", "p95 ms", "p99 ms", "mean batch", "server CPU µs/offload",
            "of it JIT", "allocated KiB/offload", "model ms/sample", "model CPU ms/sample", "client CPU ms/sample", "served / min(raw at formed batch, ceiling)", "errors");
        foreach (var s in served)
        {
            servedTable.AddRow(Markup.Escape(s.Model), s.Config, $"{s.Devices}", $"{s.SamplesPerSecond:0}", $"{s.P50Ms:0.00}", $"{s.P95Ms:0.00}", $"{s.P99Ms:0.00}",
                $"{s.MeanBatchSize:0.0}", $"{s.ServerCpuMsPerSample * 1000:0}", $"{s.ServerJitMsPerSample * 1000:0}", $"{s.ServerAllocatedBytesPerSample / 1024:0.0}", $"{s.ServerModelMsPerSample:0.000}", $"{s.ServerModelCpuMsPerSample:0.000}", $"{s.ClientCpuMsPerSample:0.000}",
                s.BoundRatio is { } ratio ? Markup.Escape($"{ratio:0.00} ({s.Bound})") : "-", s.Errors.Count == 0 ? "0" : string.Join(", ", s.Errors.Select(e => $"{e.Key}: {e.Value}")));
        }

        var goalTable = new Table().Title("goals");
        goalTable.AddColumns("goal", "measured", "target", "met");
        foreach (var g in goals)
        {
            goalTable.AddRow(Markup.Escape(g.Goal), $"{g.Measured:0.00}", $"{g.Target:0.00}", g.Met ? "[green]yes[/]" : "[red]no[/]");
        }

        AnsiConsole.Write(rawTable);
        AnsiConsole.Write(servedTable);
        AnsiConsole.Write(goalTable);
    }

    /// <summary>The pairs side by side: each large model raw and served at saturation, measured in this one run.</summary>
    private static void PrintPairs(List<BenchPair> pairs, List<RawResult> raw, List<ServedResult> served, BenchOptions options)
    {
        var table = new Table().Title("per pair: raw vs served at saturation (same run)");
        table.AddColumns("pair", "large model", "sample", "raw best samples/s (batch)", "served dynamic best (config, devices)",
            "served / raw", "gateways best (config, devices)", "gateways / raw", "batch-1 best (devices)", "errors");
        foreach (var pair in pairs)
        {
            var model = pair.Large.Reference;
            var rawBest = RawBest(model, raw, options);
            var dynamic = DynamicBest(model, served);
            var batchOne = ServedBest(model, "batch-1", served);
            var gateway = GatewayBest(model, served);
            var errors = served.Where(s => s.Model == model).Sum(s => s.Errors.Values.Sum());
            var signature = ModelSignature.Create(pair.Large);
            table.AddRow(Markup.Escape($"{pair.Tiny} → {pair.Large.Name}"), Markup.Escape(model),
                Markup.Escape($"{signature.Datatype.Name()} [{string.Join(",", signature.SampleShape)}]"),
                rawBest is null ? "-" : $"{rawBest.SamplesPerSecond:0} ({rawBest.BatchSize}{(rawBest.Executions > 1 ? $" x{rawBest.Executions}" : "")})",
                dynamic is null ? "-" : $"{dynamic.SamplesPerSecond:0} ({dynamic.Config}, {dynamic.Devices})",
                rawBest is null || dynamic is null ? "-" : $"{dynamic.SamplesPerSecond / rawBest.SamplesPerSecond:0.00}",
                gateway is null ? "-" : $"{gateway.SamplesPerSecond:0} ({gateway.Config}, {gateway.Devices})",
                rawBest is null || gateway is null ? "-" : $"{gateway.SamplesPerSecond / rawBest.SamplesPerSecond:0.00}",
                batchOne is null ? "-" : $"{batchOne.SamplesPerSecond:0} ({batchOne.Devices})", $"{errors}");
        }

        AnsiConsole.Write(table);
    }
}
