using Spectre.Console;

namespace HiPortal.Cli.Simulate;

/// <summary>Prints the final report: the fleet's measured figures beside the offline replay of the same samples.</summary>
public static class SimulationReportTable
{
    public static void Write(SimulationReport report)
    {
        var fleet = report.Fleet;
        var offline = report.Offline;
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{report.Devices} devices, {fleet.Samples:N0} samples, drift {report.Drift}[/]")
            .AddColumn("").AddColumn(new TableColumn("[bold]fleet (measured)[/]").RightAligned())
            .AddColumn(new TableColumn("[bold]offline, same samples and θ[/]").RightAligned());
        if (report.OfflineWithoutDrift is not null)
            table.AddColumn(new TableColumn("[bold]offline, without drift[/]").RightAligned());

        void Row(string name, string measured, Func<OfflineFigures, string> replay)
        {
            var cells = new List<string> { name, measured, replay(offline) };
            if (report.OfflineWithoutDrift is { } clean)
                cells.Add(replay(clean));
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        Row("HI accuracy (vs labels)", $"{fleet.HiAccuracy:P2}", o => $"{o.HiAccuracy:P2}");
        Row("offloaded", $"{fleet.OffloadFraction:P2}", o => $"{o.OffloadFraction:P2}");
        Row("tiny only", $"{fleet.TinyAccuracy:P2}", o => $"{o.TinyAccuracy:P2}");
        Row("large only", "-", o => $"{o.LargeAccuracy:P2}");
        Row("decisions differing from the fleet's", "-", o => $"{o.DecisionMismatches:N0}");
        Row("answers differing from the fleet's", "-", o => $"{o.AnswerMismatches:N0}");
        Row("bandwidth saved vs full offload", $"{fleet.BandwidthSavedFraction:P1} ({fleet.BytesSent:N0} of {fleet.BytesFullOffload:N0} B)", _ => "");
        Row("latency p50 / p99, all samples", $"{fleet.LatencyP50Ms:0.00} / {fleet.LatencyP99Ms:0.00} ms", _ => "");
        Row("latency p50 / p99, offloaded", $"{fleet.OffloadLatencyP50Ms:0.00} / {fleet.OffloadLatencyP99Ms:0.00} ms", _ => "");
        Row("offload round trip p50 / p99", $"{fleet.RoundTripP50Ms:0.00} / {fleet.RoundTripP99Ms:0.00} ms", _ => "");
        Row("offload round trip p99 from 10 s on", fleet.RoundTripP99AfterFirst10SecondsMs is { } late ? $"{late:0.00} ms" : "-", _ => "");
        Row("answered / after buffering / unanswered", $"{fleet.AnsweredDirectly:N0} / {fleet.AnsweredAfterBuffering:N0} / {fleet.Unanswered:N0}", _ => "");
        Row("throughput", $"{fleet.SamplesPerSecond:N1} samples/s", _ => "");
        AnsiConsole.Write(table);

        var sdk = report.Sdk;
        AnsiConsole.MarkupLineInterpolated(
            $"SDK: {sdk.Retries:N0} retries, {sdk.Buffered:N0} buffered, {sdk.Dropped:N0} dropped, {sdk.Drained:N0} drained, {sdk.Replayed:N0} replayed; telemetry {sdk.TelemetrySent:N0} sent / {sdk.TelemetryFailed:N0} failed; configurations {sdk.ConfigurationsApplied:N0} applied / {sdk.ConfigurationsRejected:N0} rejected");
        if (report.Errors.Count == 0)
        {
            AnsiConsole.MarkupLine("errors: [green]none[/]");
            return;
        }

        var errors = new Table().Border(TableBorder.Simple).AddColumn("error").AddColumn(new TableColumn("count").RightAligned());
        foreach (var (kind, count) in report.Errors)
            errors.AddRow(Markup.Escape(kind), $"{count:N0}");
        AnsiConsole.Write(errors);
    }
}
