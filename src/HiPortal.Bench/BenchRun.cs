using System.Globalization;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using Spectre.Console;

namespace HiPortal.Bench;

public sealed record BenchOptions(int[] Devices, TimeSpan Window, int MaxBatch, double MaxDelayMs, ExecutionProvider Provider,
    bool Spin, bool JsonBody, string Output, string Data, string Model = "fashion-large", bool AllPairs = false);

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
        var raw = new List<RawResult>();
        foreach (var directory in BenchModels.Select(options.Model, options.AllPairs))
        {
            var card = ModelCard.Load(ModelLayout.CardPath(directory));
            AnsiConsole.MarkupLineInterpolated($"[bold]raw[/]: {card.Name} {card.Version} on {options.Provider}, {Environment.ProcessorCount} cores");
            using var model = OnnxClassifier.Load(ModelLayout.OnnxPath(directory), card, options.Provider, allowSpinning: options.Spin);
            raw.AddRange(RawBenchmark.Run(model, BenchModels.Samples(model.Signature, images), [1, 2, 4, 8, 16, 32, 64], TimeSpan.FromSeconds(1.5)));
        }

        // Served runs use the server's default pair (Fashion-MNIST): per-fleet model routing is the server branch's.
        var servedModel = ModelCard.LoadNamed("fashion-large").Reference;

        var served = new List<ServedResult>();
        var configs = new (string Name, Dictionary<string, string> Settings)[]
        {
            ("dynamic", new() { ["Batching:MaxBatchSize"] = options.MaxBatch.ToString(CultureInfo.InvariantCulture), ["Batching:MaxQueueDelay"] = TimeSpan.FromMilliseconds(options.MaxDelayMs).ToString() }),
            ("batch-1", new() { ["Batching:MaxBatchSize"] = "1", ["Batching:MaxQueueDelay"] = "00:00:00" }),
        };
        foreach (var (name, settings) in configs)
        {
            settings["Inference:Provider"] = options.Provider.ToString();
            settings["Inference:AllowSpinning"] = options.Spin ? "true" : "false";
            await using var server = await BenchServer.StartAsync(settings);
            foreach (var devices in options.Devices)
            {
                var result = await LoadGenerator.RunAsync(server, name, devices, images, TimeSpan.FromSeconds(1.5), options.Window, options.JsonBody);
                AnsiConsole.MarkupLineInterpolated(
                    $"{name,-8} {devices,4} devices: {result.SamplesPerSecond,8:0} samples/s  p50 {result.P50Ms,7:0.00} ms  p99 {result.P99Ms,7:0.00} ms  mean batch {result.MeanBatchSize:0.0}");
                served.Add(result with { Model = servedModel });
            }

            // The server's own histograms (queue wait, inference, store, end to end) say where the time went.
            using var metricsClient = server.CreateClient();
            Directory.CreateDirectory(options.Output);
            await File.WriteAllTextAsync(Path.Combine(options.Output, $"metrics-{name}.txt"), await metricsClient.MetricsAsync());
        }

        var goals = Goals(raw, served, options);
        Print(raw, served, goals);
        return new BenchReport($"{Environment.ProcessorCount} cores, {Environment.OSVersion}", options.Provider.ToString(),
            options.JsonBody ? "json" : "binary", options.Spin, options.MaxBatch, options.MaxDelayMs, raw, served, goals);
    }

    private static List<GoalCheck> Goals(List<RawResult> raw, List<ServedResult> served, BenchOptions options)
    {
        var goals = new List<GoalCheck>();
        var dynamic = served.Where(s => s.Config == "dynamic").ToList();
        var batchOne = served.Where(s => s.Config == "batch-1").ToList();
        var saturated = dynamic.MaxBy(s => s.SamplesPerSecond);
        var rawAtMax = raw.Where(r => r.Model == saturated?.Model && r.BatchSize <= options.MaxBatch).MaxBy(r => r.SamplesPerSecond);
        if (saturated is not null && rawAtMax is not null)
        {
            var ratio = saturated.SamplesPerSecond / rawAtMax.SamplesPerSecond;
            goals.Add(new GoalCheck($"served/raw throughput at saturation ({saturated.Devices} devices vs raw best batch {rawAtMax.BatchSize})", ratio, 0.85, ratio >= 0.85));
        }

        var d64 = dynamic.FirstOrDefault(s => s.Devices == 64);
        var b64 = batchOne.FirstOrDefault(s => s.Devices == 64);
        if (d64 is not null && b64 is not null)
        {
            var ratio = d64.SamplesPerSecond / b64.SamplesPerSecond;
            goals.Add(new GoalCheck("dynamic batching / batch-1 server at 64 devices", ratio, 2.0, ratio >= 2.0));
        }

        var d8 = dynamic.FirstOrDefault(s => s.Devices == 8);
        var raw8 = raw.FirstOrDefault(r => r.Model == d8?.Model && r.BatchSize == 8);
        if (d8 is not null && raw8 is not null)
        {
            var bound = options.MaxDelayMs + (3 * raw8.MillisecondsPerBatch);
            goals.Add(new GoalCheck($"p99 at 8 devices (ms) <= MaxQueueDelay + 3 x batch-8 compute = {bound:0.00} ms", d8.P99Ms, bound, d8.P99Ms <= bound));
        }

        return goals;
    }

    private static void Print(List<RawResult> raw, List<ServedResult> served, List<GoalCheck> goals)
    {
        var rawTable = new Table().Title("(a) raw ONNX Runtime, large models");
        rawTable.AddColumns("model", "batch", "samples/s", "ms/batch", "CPU ms/sample");
        foreach (var r in raw)
        {
            rawTable.AddRow(Markup.Escape(r.Model), $"{r.BatchSize}", $"{r.SamplesPerSecond:0}", $"{r.MillisecondsPerBatch:0.000}", $"{r.CpuMsPerSample:0.000}");
        }

        var servedTable = new Table().Title("(b) dynamic batching and (c) MaxBatchSize = 1, served over loopback HTTP");
        servedTable.AddColumns("model", "server", "devices", "samples/s", "p50 ms", "p95 ms", "p99 ms", "mean batch", "server CPU ms/sample", "client CPU ms/sample", "errors");
        foreach (var s in served)
        {
            servedTable.AddRow(Markup.Escape(s.Model), s.Config, $"{s.Devices}", $"{s.SamplesPerSecond:0}", $"{s.P50Ms:0.00}", $"{s.P95Ms:0.00}", $"{s.P99Ms:0.00}",
                $"{s.MeanBatchSize:0.0}", $"{s.ServerCpuMsPerSample:0.000}", $"{s.ClientCpuMsPerSample:0.000}", s.Errors.Count == 0 ? "0" : string.Join(", ", s.Errors.Select(e => $"{e.Key}: {e.Value}")));
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
}
