using Spectre.Console;
using Spectre.Console.Rendering;

namespace HiPortal.Cli.Simulate;

/// <summary>The live view while the fleet runs: a redrawn table on a terminal, a line every few seconds in a log.</summary>
public static class LiveProgress
{
    public static async Task ShowAsync(Task run, SimulationRecorder recorder, SimulationClock clock, SimulationSettings settings,
        Func<int> buffered)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5)));
                var f = recorder.Figures();
                AnsiConsole.WriteLine(
                    $"{clock.Elapsed.TotalSeconds,6:0.0}s  {f.Samples,8:N0} samples  offloaded {Ratio(f.Offloaded, f.Samples),7:P1}  " +
                    $"HI acc {Ratio(f.Correct, f.Samples),7:P2}  buffered {buffered(),5}  errors {f.Errors,5}  p50 {f.LatencyP50Ms:0.00} ms");
            }

            return;
        }

        await AnsiConsole.Live(Render(recorder.Figures(), clock, settings, buffered())).StartAsync(async context =>
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(500)));
                context.UpdateTarget(Render(recorder.Figures(), clock, settings, buffered()));
            }
        });
    }

    private static IRenderable Render(LiveFigures f, SimulationClock clock, SimulationSettings settings, int buffered)
    {
        var elapsed = clock.Elapsed.TotalSeconds;
        var width = 30;
        var done = (int)Math.Round(clock.Progress * width);
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("")
            .Title($"[bold]hiportal simulate[/]: {settings.Devices} devices × {settings.Rate:0.##}/s, drift {settings.Drift.ToString().ToLowerInvariant()}");
        table.AddRow("progress", $"[green]{new string('█', done)}[/][grey]{new string('░', width - done)}[/] {clock.Progress:P0}  {elapsed:0.0} s");
        table.AddRow("samples", $"{f.Samples:N0} ({f.Samples / Math.Max(elapsed, 1e-9):N1}/s)");
        table.AddRow("offloaded", $"{f.Offloaded:N0} ({Ratio(f.Offloaded, f.Samples):P1})");
        table.AddRow("HI accuracy (labels)", $"{Ratio(f.Correct, f.Samples):P2}");
        table.AddRow("latency p50 / p99 (last 2,000)", $"{f.LatencyP50Ms:0.00} / {f.LatencyP99Ms:0.00} ms");
        table.AddRow("in offline buffers", buffered == 0 ? "0" : $"[yellow]{buffered:N0}[/]");
        table.AddRow("errors", f.Errors == 0 ? "0" : $"[red]{f.Errors:N0}[/]");
        return table;
    }

    private static double Ratio(int part, int whole) => whole == 0 ? 0 : (double)part / whole;
}
