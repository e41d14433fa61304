using System.CommandLine;
using Spectre.Console;

namespace HiPortal.Bench;

/// <summary><c>transports</c>: single vs batched REST vs gRPC on one server (see <see cref="TransportBatchedBenchmark"/>).</summary>
public static class TransportsCommand
{
    public static Command Create(Option<string> outOption, Option<string> dataOption)
    {
        var clients = new Option<int>("--clients") { Description = "Concurrent closed-loop clients per transport", DefaultValueFactory = _ => 16 };
        var batch = new Option<int>("--batch") { Description = "Samples per batched request and per gRPC call", DefaultValueFactory = _ => 32 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per transport (after a warm-up)", DefaultValueFactory = _ => 5 };
        var model = new Option<string>("--model") { Description = "Large model the transports reach (its own fleet): the trivial ceiling model by default", DefaultValueFactory = _ => BenchCeiling.DefaultModel };
        var warmup = new Option<double>("--warmup") { Description = "Unmeasured seconds of load, shared by the transports, before any window", DefaultValueFactory = _ => 30 };
        var command = new Command("transports", "Single vs batched REST offloads vs gRPC ModelInfer: samples/s and server CPU per sample")
        {
            clients, batch, seconds, model, warmup, outOption, dataOption,
        };
        command.SetAction(async parse =>
        {
            var results = await TransportBatchedBenchmark.RunAsync(parse.GetValue(clients), parse.GetValue(batch),
                TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(dataOption)!, parse.GetValue(model)!, parse.GetValue(warmup));
            var table = new Table().AddColumns("transport", "clients", "samples/call", "samples/s", "× single", "server CPU µs/sample", "errors");
            var single = results[0].SamplesPerSecond;
            foreach (var r in results)
            {
                table.AddRow(r.Transport, $"{r.Clients}", $"{r.SamplesPerCall}", $"{r.SamplesPerSecond:N0}", $"{r.SamplesPerSecond / single:0.0}",
                    $"{r.ServerCpuMicrosPerSample:N0}", $"{r.Errors}");
            }

            AnsiConsole.Write(table);
            await BenchJson.WriteAsync(parse.GetValue(outOption)!, "transports.json", results);
            return 0;
        });
        return command;
    }
}
