using System.CommandLine;
using System.Text.Json;
using HiPortal.Bench;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using Spectre.Console;

if (args.Length > 0 && args[0] == BenchServer.ServeVerb)
{
    // The bench starts the server as a child process of its own executable, so a self-contained publish needs no
    // `dotnet` on the machine (the GPU box has none).
    var entry = typeof(HiPortal.Server.HostSetup).Assembly.EntryPoint!;
    var result = entry.Invoke(null, [args[1..]]);
    if (result is Task task)
    {
        await task;
    }

    return 0;
}

if (args.Length > 0 && args[0] == KestrelFloor.ServeVerb)
{
    await KestrelFloor.ServeAsync();
    return 0;
}

if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 160;
}

var devicesOption = new Option<int[]>("--devices") { Description = "Concurrent devices per served run", DefaultValueFactory = _ => [1, 8, 64, 256], AllowMultipleArgumentsPerToken = true };
var windowOption = new Option<double>("--seconds") { Description = "Measured seconds per served run (after a warm-up)", DefaultValueFactory = _ => 5 };
var maxBatchOption = new Option<int>("--max-batch") { Description = "MaxBatchSize of the dynamic-batching server", DefaultValueFactory = _ => 32 };
var delayOption = new Option<double>("--max-delay-ms") { Description = "MaxQueueDelay of the dynamic-batching server", DefaultValueFactory = _ => 2 };
var providerOption = new Option<string>("--provider") { Description = "Cpu or Cuda", DefaultValueFactory = _ => "Cpu" };
var spinOption = new Option<bool>("--spin") { Description = "Let ONNX Runtime threads spin (raw and served alike)" };
var jsonOption = new Option<bool>("--json-body") { Description = "Post JSON (base64) instead of the compact binary form" };
var outOption = new Option<string>("--out") { Description = "Where bench.json goes", DefaultValueFactory = _ => "artifacts/bench" };
var dataOption = new Option<string>("--data") { Description = "Fashion-MNIST directory", DefaultValueFactory = _ => FashionMnist.DefaultDirectory };
var modelOption = new Option<string>("--model") { Description = "Large model of the pair to measure, raw and served: name[@version] or a version directory", DefaultValueFactory = _ => "fashion-large" };
var pairsOption = new Option<bool>("--all-pairs") { Description = "Every committed pair (fashion, vibration), raw and served, side by side in one run" };
var instancesOption = new Option<int>("--instances") { Description = "Also serve with this many batches in flight per model (Batching:Instances), beside one, in the same run; 1: only one", DefaultValueFactory = _ => 2 };
var serversOption = new Option<int>("--servers") { Description = "Server processes per served run, the devices spread over them; more than one needs a shared database and Redis (Database__Provider=Postgres, ConnectionStrings__Redis in the environment)", DefaultValueFactory = _ => 1 };
var serverWarmupOption = new Option<double>("--server-warmup") { Description = "At most this many seconds each fresh server is driven at saturation, every pair, before any window is measured: until its JIT has settled (under 1 % of the wall clock in the JIT for two 2 s reads in a row), as a long-running server's has; 0: none", DefaultValueFactory = _ => 90 };
var ceilingOption = new Option<string>("--ceiling") { Description = "Model served beside the measured one as the server's own ceiling (models/trivial: next to no inference); none: skip", DefaultValueFactory = _ => BenchCeiling.DefaultModel };
var gatewayOption = new Option<int>("--gateway") { Description = "Also serve the same devices behind gateways of this many samples per call (the batched binary route; ceil(devices / N) gateways, so as many samples in flight), on --instances batches in flight; always binary frames; 0 or 1: skip", DefaultValueFactory = _ => 16 };
var rawRoundsOption = new Option<int>("--raw-rounds") { Description = "Raw sweeps of every batch size, all but the last before the served runs and the last after them; each configuration counts its median read", DefaultValueFactory = _ => 3 };
rawRoundsOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() is not (>= 1 and <= 9)) { r.AddError("--raw-rounds must be between 1 and 9"); } });
var serverEnvOption = new Option<string[]>("--server-env")
{
    Description = "NAME=VALUE set in every measured server's environment only, not the load generator's (repeatable), for A/B runs of runtime knobs such as DOTNET_TieredPGO=0",
    AllowMultipleArgumentsPerToken = true,
};
serverEnvOption.Validators.Add(result =>
{
    foreach (var pair in result.GetValueOrDefault<string[]>() ?? [])
    {
        if (pair.IndexOf('=') <= 0)
            result.AddError($"--server-env takes NAME=VALUE, not '{pair}'");
    }
});
var root = new RootCommand("HiPortal benchmark: raw ONNX Runtime vs served, dynamic batching vs batch 1, in one run")
{
    devicesOption, windowOption, maxBatchOption, delayOption, providerOption, spinOption, jsonOption, outOption, dataOption, modelOption, pairsOption, instancesOption,
    serversOption, serverWarmupOption, ceilingOption, gatewayOption, serverEnvOption, rawRoundsOption,
};
root.SetAction(async parse =>
{
    var options = new BenchOptions(parse.GetValue(devicesOption)!, TimeSpan.FromSeconds(parse.GetValue(windowOption)),
        parse.GetValue(maxBatchOption), parse.GetValue(delayOption), Enum.Parse<ExecutionProvider>(parse.GetValue(providerOption)!, ignoreCase: true),
        parse.GetValue(spinOption), parse.GetValue(jsonOption), parse.GetValue(outOption)!, parse.GetValue(dataOption)!,
        parse.GetValue(modelOption)!, parse.GetValue(pairsOption), parse.GetValue(instancesOption), parse.GetValue(serversOption),
        parse.GetValue(serverWarmupOption), parse.GetValue(ceilingOption)!, parse.GetValue(gatewayOption),
        (parse.GetValue(serverEnvOption) ?? []).Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]),
        parse.GetValue(rawRoundsOption));
    var report = await BenchRun.RunAsync(options);
    Directory.CreateDirectory(options.Output);
    var path = Path.Combine(options.Output, "bench.json");
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    AnsiConsole.MarkupLineInterpolated($"wrote {path}");
    return 0;
});
var dashboardDevices = new Option<int>("--devices") { Description = "Registered devices", DefaultValueFactory = _ => 10_000 };
var dashboardRate = new Option<double>("--rate") { Description = "Offloads per second across the fleet", DefaultValueFactory = _ => 100 };
var dashboardSeconds = new Option<double>("--seconds") { Description = "Minimum seconds under load", DefaultValueFactory = _ => 30 };
var dashboard = new Command("dashboard", "Dashboard render time and snapshot lag with a large fleet under load")
{
    dashboardDevices, dashboardRate, dashboardSeconds, outOption, dataOption,
};
dashboard.SetAction(async parse =>
{
    var report = await DashboardBenchmark.RunAsync(parse.GetValue(dashboardDevices), parse.GetValue(dashboardRate),
        TimeSpan.FromSeconds(parse.GetValue(dashboardSeconds)), parse.GetValue(dataOption)!);
    AnsiConsole.MarkupLineInterpolated(
        $"{report.Devices:N0} devices, {report.OffloadsPerSecondAchieved:0} offloads/s (target {report.OffloadsPerSecondTarget:0}), errors {report.Errors}");
    AnsiConsole.MarkupLineInterpolated($"overview render ms: {string.Join(", ", report.OverviewRenderMs.Select(v => v.ToString("0")))}");
    AnsiConsole.MarkupLineInterpolated($"devices render ms:  {string.Join(", ", report.DevicesRenderMs.Select(v => v.ToString("0")))}");
    AnsiConsole.MarkupLineInterpolated($"snapshot lag ms:    {string.Join(", ", report.SnapshotLagMs.Select(v => v.ToString("0")))}");
    var output = parse.GetValue(outOption)!;
    Directory.CreateDirectory(output);
    await File.WriteAllTextAsync(Path.Combine(output, "dashboard.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    return 0;
});
root.Subcommands.Add(dashboard);
root.Subcommands.Add(TransportsCommand.Create(outOption, dataOption));
root.Subcommands.Add(DeadlineBenchmark.Create(outOption, dataOption));
return await root.Parse(args).InvokeAsync();
