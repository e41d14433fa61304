using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using HiPortal.Cli.Common;
using HiPortal.Core.Evaluation;
using HiPortal.Core.Online;
using HiPortal.Core.Savings;
using Spectre.Console;

namespace HiPortal.Cli.Evaluate;

/// <summary><c>hiportal evaluate</c>: what HI buys for a model pair on labelled data, offline, with thresholds from calibration.</summary>
public static class EvaluateCommand
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Create()
    {
        var data = new DataOptions();
        var output = new Option<string>("--out") { Description = "Where evaluation.json and the plots go", DefaultValueFactory = _ => "artifacts/evaluation" };
        var profile = new Option<string>("--profile") { Description = "Device profile: " + string.Join(", ", DeviceProfiles.All.Select(p => p.Name)), DefaultValueFactory = _ => "esp32-wifi" };
        var beta = new Option<double>("--beta") { Description = "Offload cost relative to a misclassification (min-cost rule, online learners)", DefaultValueFactory = _ => 0.3 };
        var budget = new Option<double>("--budget") { Description = "Offload budget (fraction) for the budget rule", DefaultValueFactory = _ => 0.2 };
        var gap = new Option<double>("--target-gap") { Description = "Target accuracy = large's calibration accuracy minus this many points", DefaultValueFactory = _ => 1.0 };
        var samples = new Option<int?>("--samples") { Description = "Use only the first N test samples" };
        var online = new Option<bool>("--online") { Description = "Also stream the shuffled test set through HIL-F, HIL-N and HI-LCB-lite, with labels and with large-model answers only, at ε = 0, 2 %, 5 %" };
        samples.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) { r.AddError("--samples must be at least 1"); } });
        beta.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or > 1 or double.NaN) { r.AddError("--beta must be in [0, 1]"); } });
        budget.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or > 1 or double.NaN) { r.AddError("--budget must be in [0, 1]"); } });
        gap.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or > 100 or double.NaN) { r.AddError("--target-gap must be in [0, 100] points"); } });
        var seed = new Option<int>("--seed") { Description = "Shuffle and learner seed", DefaultValueFactory = _ => 42 };

        var command = new Command("evaluate", "Run a tiny/large pair over labelled data (default Fashion-MNIST) and print the HI trade-off table")
        {
            output, profile, beta, budget, gap, samples, online, seed,
        };
        foreach (var option in data.All(withCalibration: true))
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            try
            {
                return Run(new EvaluateArguments(
                    data.Read(parse), parse.GetValue(output)!, parse.GetValue(profile)!,
                    parse.GetValue(beta), parse.GetValue(budget), parse.GetValue(gap), parse.GetValue(samples),
                    parse.GetValue(online), parse.GetValue(seed)));
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException
                or FormatException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
                return 2;
            }
        });
        return command;
    }

    private static int Run(EvaluateArguments args)
    {
        var profile = DeviceProfiles.Get(args.Profile);
        // Fail on an unusable output folder before minutes of inference, not after.
        Directory.CreateDirectory(args.Output);
        using var pair = args.Data.LoadPair();
        var calibration = args.Data.LoadCalibration();
        var test = args.Data.LoadTest();
        pair.EnsureFits(calibration, "calibration data");
        pair.EnsureFits(test, "test data");
        if (args.Samples is { } n)
        {
            test = test.Take(n);
        }

        AnsiConsole.MarkupLineInterpolated(
            $"tiny  [bold]{pair.TinyCard.Name} {pair.TinyCard.Version}[/]: {pair.TinyCard.Parameters:N0} params, {pair.TinyCard.FlopsPerSample / 1e6:0.00} MFLOPs/sample");
        AnsiConsole.MarkupLineInterpolated(
            $"large [bold]{pair.LargeCard.Name} {pair.LargeCard.Version}[/]: {pair.LargeCard.Parameters:N0} params, {pair.LargeCard.FlopsPerSample / 1e6:0.00} MFLOPs/sample");
        var outputs = pair.RunWithProgress(("calibration", calibration), ("test", test));
        var largeSeconds = pair.MeasureLargeBatchOneSeconds(test);

        var settings = new EvaluationSettings
        {
            TargetGapPoints = args.TargetGap,
            OffloadBudget = args.Budget,
            Beta = args.Beta,
            Profile = profile,
            ServerInferenceSeconds = largeSeconds,
            SampleBytes = pair.Tiny.Signature.SampleBytes,
        };
        var report = HiEvaluator.Run(outputs[0].Tiny, outputs[0].Large, outputs[1].Tiny, outputs[1].Large, settings);
        EvaluationTable.Write(report);

        OnlineComparisonReport? onlineReport = null;
        if (args.Online)
        {
            var stream = OnlineStream.Shuffled(outputs[1].Tiny, outputs[1].Large, args.Seed);
            var warm = OnlineComparison.WarmThreshold(outputs[0].Tiny, outputs[0].Large, args.Beta);
            onlineReport = OnlineComparison.Run(stream, args.Beta, args.Seed, warmThreshold: warm);
            EvaluationTable.Write(onlineReport);
        }

        Directory.CreateDirectory(args.Output);
        var jsonPath = Path.Combine(args.Output, "evaluation.json");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { report, online = onlineReport }, Json));
        var plots = EvaluationPlot.Write(report, onlineReport, args.Output);
        AnsiConsole.MarkupLineInterpolated($"wrote {jsonPath}, {string.Join(", ", plots)}");
        return 0;
    }

    private sealed record EvaluateArguments(DataSelection Data, string Output, string Profile, double Beta,
        double Budget, double TargetGap, int? Samples, bool Online, int Seed);
}
