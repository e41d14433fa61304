using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HiPortal.Client;
using HiPortal.Contracts;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using Spectre.Console;

namespace HiPortal.Bench;

/// <summary>How one kind of answer arrived against the deadline every request carried.</summary>
public sealed record DeadlineOutcome(string Outcome, int Count, double P50Ms, double P99Ms, double MaxMs, int LaterThanDeadlinePlus5Ms);

/// <summary>
/// Expired requests of one run as the server recorded them, at one <paramref name="Stage"/> (<c>timer</c>: the deadline's
/// watcher answered; <c>handler</c>: the handler resumed to answer): how many, and the shares more than 2 and 5 ms late.
/// </summary>
public sealed record ServerLateness(string Stage, long Count, double Over2MsShare, double Over5MsShare)
{
    /// <summary>The difference of two <c>/metrics</c> pages' lateness histograms, per stage, from bucket bounds 0.002 and 0.005.</summary>
    public static IReadOnlyList<ServerLateness> Between(string before, string after)
    {
        var first = Buckets(before);
        return Buckets(after).Select(stage =>
        {
            double Delta(string le) => stage.Value.GetValueOrDefault(le) - (first.GetValueOrDefault(stage.Key)?.GetValueOrDefault(le) ?? 0);
            var count = Delta("+Inf");
            return new ServerLateness(stage.Key, (long)count,
                count > 0 ? (count - Delta("0.002")) / count : 0, count > 0 ? (count - Delta("0.005")) / count : 0);
        }).OrderByDescending(l => l.Stage, StringComparer.Ordinal).ToList();
    }

    private static Dictionary<string, Dictionary<string, double>> Buckets(string page)
    {
        const string prefix = "hiportal_deadline_lateness_seconds_bucket{";
        var stages = new Dictionary<string, Dictionary<string, double>>();
        foreach (var line in page.Split('\n'))
        {
            var end = line.LastIndexOf('}');
            if (!line.StartsWith(prefix, StringComparison.Ordinal) || end < 0)
                continue;
            string? stage = null, le = null;
            foreach (var label in line[prefix.Length..end].Split(','))
            {
                var parts = label.Split('=', 2);
                if (parts.Length == 2 && parts[0] == "stage") stage = parts[1].Trim('"');
                if (parts.Length == 2 && parts[0] == "le") le = parts[1].Trim('"');
            }

            if (stage is not null && le is not null
                && double.TryParse(line[(end + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                (stages.TryGetValue(stage, out var buckets) ? buckets : stages[stage] = [])[le] = value;
            }
        }

        return stages;
    }
}

/// <summary>One device count's run: every answer inside the window, by kind (answered, deadline passed, overloaded, error).</summary>
public sealed record DeadlineResult(string Model, int Devices, double DeadlineMs, double RequestsPerSecond, IReadOnlyList<DeadlineOutcome> Outcomes)
{
    /// <summary>The server's own view of the run (its 2 s lead-in included): <c>hiportal.deadline.lateness</c> by stage.</summary>
    public IReadOnlyList<ServerLateness> ServerLateness { get; init; } = [];

    /// <summary>Answers of any kind that came later than the deadline plus 5 ms, as the client timed them.</summary>
    public int LaterThanDeadlinePlus5Ms => Outcomes.Sum(o => o.LaterThanDeadlinePlus5Ms);

    public double MaxMs => Outcomes.Count == 0 ? double.NaN : Outcomes.Max(o => o.MaxMs);
}

/// <summary>
/// <c>deadlines</c>: closed-loop devices, each request carrying <c>X-HiPortal-Deadline-Ms</c>, against a server whose
/// model is the bottleneck, so requests queue and many deadlines pass while batches run. Each answer's latency is held
/// against the deadline: a request is to be answered (with its result, or with 503 once its deadline passes) no later
/// than the deadline plus 5 ms. After a 503 a device waits its <c>Retry-After</c>, as the device SDK does;
/// <c>--no-backoff</c> posts again at once (a retry storm, where the request path alone can saturate the cores). Latency is the client's, from before the request is sent to the last byte read, so it
/// also counts what the server's deadline does not cover (the connection, the body read, the client's own scheduling
/// on the same cores): the figure is an upper bound of the server's lateness.
/// </summary>
public static class DeadlineBenchmark
{
    public const double SlackMs = 5;

    public static Command Create(Option<string> outOption, Option<string> dataOption)
    {
        var devices = new Option<int[]>("--devices") { Description = "Concurrent closed-loop devices per run", DefaultValueFactory = _ => [64, 256], AllowMultipleArgumentsPerToken = true };
        var deadline = new Option<double>("--deadline-ms") { Description = "X-HiPortal-Deadline-Ms on every request", DefaultValueFactory = _ => 50 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per run (after 2 s of unmeasured load)", DefaultValueFactory = _ => 10 };
        var model = new Option<string>("--model") { Description = "Large model the devices reach (its own fleet)", DefaultValueFactory = _ => "fashion-large" };
        var warmup = new Option<double>("--warmup") { Description = "Unmeasured seconds of load on the fresh server before any run (its JIT)", DefaultValueFactory = _ => 30 };
        var hammer = new Option<bool>("--no-backoff") { Description = "Post again at once after a 503 instead of waiting its Retry-After as the device SDK does (a retry storm)" };
        var command = new Command("deadlines", "Requests with a deadline against a saturated model: is every answer back by its deadline + 5 ms?")
        {
            devices, deadline, seconds, model, warmup, hammer, outOption, dataOption,
        };
        deadline.Validators.Add(r => { if (r.GetValueOrDefault<double>() is not (>= 1 and <= 60_000)) { r.AddError("--deadline-ms must be between 1 and 60000"); } });
        command.SetAction(async parse =>
        {
            var results = await RunAsync(parse.GetValue(devices)!, parse.GetValue(deadline), TimeSpan.FromSeconds(parse.GetValue(seconds)),
                parse.GetValue(model)!, parse.GetValue(dataOption)!, TimeSpan.FromSeconds(parse.GetValue(warmup)), parse.GetValue(outOption)!, backoff: !parse.GetValue(hammer));
            var table = new Table().AddColumns("devices", "requests/s", "answer", "count", "p50 ms", "p99 ms", "max ms", $"> deadline + {SlackMs} ms");
            foreach (var r in results)
            {
                foreach (var o in r.Outcomes)
                {
                    table.AddRow($"{r.Devices}", $"{r.RequestsPerSecond:N0}", o.Outcome, $"{o.Count:N0}", $"{o.P50Ms:0.0}", $"{o.P99Ms:0.0}",
                        $"{o.MaxMs:0.0}", $"{o.LaterThanDeadlinePlus5Ms}");
                }
            }

            AnsiConsole.Write(table);
            var late = results.Sum(r => r.LaterThanDeadlinePlus5Ms);
            AnsiConsole.MarkupLineInterpolated(
                $"deadline {parse.GetValue(deadline)} ms: {late} answers later than deadline + {SlackMs} ms (latest {results.Max(r => r.MaxMs):0.0} ms): goal {(late == 0 ? "met" : "not met")}");
            await BenchJson.WriteAsync(parse.GetValue(outOption)!, "deadlines.json", results);
            return late == 0 ? 0 : 1;
        });
        return command;
    }

    public static async Task<IReadOnlyList<DeadlineResult>> RunAsync(int[] deviceCounts, double deadlineMs, TimeSpan window, string model,
        string dataDirectory, TimeSpan warmup, string output, bool backoff = true)
    {
        var pair = BenchModels.Select(model, allPairs: false, FashionMnist.Load(FashionMnistSplit.Test, dataDirectory).Take(2000))[0];
        // The server's defaults (dynamic batching, its instances); only the per-device limiter is lifted (BenchServer).
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string>(), [pair]);
        var keys = await LoadGenerator.RegisterAsync(server, pair, "deadlines", deviceCounts.Max());
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4096 };
        using var client = new HiPortalClient(server.Address, handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        AnsiConsole.MarkupLineInterpolated($"[bold]deadlines[/]: {pair.Large.Reference}, {deviceCounts.Max()} devices for {warmup.TotalSeconds:0} s unmeasured first");
        await MeasureAsync(client, pair, keys, deviceCounts.Max(), deadlineMs, TimeSpan.Zero, warmup, "warm", backoff);
        var results = new List<DeadlineResult>();
        Directory.CreateDirectory(output);
        // The server's own histograms after each run (cumulative): request duration by status, queue wait, end to end.
        var page = await client.MetricsAsync();
        await File.WriteAllTextAsync(Path.Combine(output, "metrics-deadlines-warm.txt"), page);
        foreach (var devices in deviceCounts)
        {
            var result = await MeasureAsync(client, pair, keys, devices, deadlineMs, TimeSpan.FromSeconds(2), window, $"d{devices}", backoff);
            var previous = page;
            page = await client.MetricsAsync();
            await File.WriteAllTextAsync(Path.Combine(output, $"metrics-deadlines-{devices}.txt"), page);
            result = result with { ServerLateness = ServerLateness.Between(previous, page) };
            AnsiConsole.MarkupLineInterpolated(
                $"{devices,4} devices: {result.RequestsPerSecond,8:0} requests/s, {string.Join(", ", result.Outcomes.Select(o => $"{o.Outcome} {o.Count}"))}, latest {result.MaxMs:0.0} ms, {result.LaterThanDeadlinePlus5Ms} later than deadline + {SlackMs} ms; server: {string.Join(", ", result.ServerLateness.Select(l => $"{l.Stage} {l.Count}, {l.Over5MsShare:P1} > 5 ms late"))}");
            results.Add(result);
        }

        return results;
    }

    private static async Task<DeadlineResult> MeasureAsync(HiPortalClient client, BenchPair pair, IReadOnlyList<string> keys, int devices,
        double deadlineMs, TimeSpan warmup, TimeSpan window, string run, bool backoff)
    {
        var samples = pair.Samples;
        var header = deadlineMs.ToString("0", CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        var until = warmup + window;
        var outcomes = new List<(string Outcome, double Ms)>[devices];
        var loops = Enumerable.Range(0, devices).Select(d => Task.Run(async () =>
        {
            outcomes[d] = [];
            for (var n = 0; clock.Elapsed < until; n++)
            {
                var index = ((d * 7919) + n) % samples.Count;
                var label = samples.Label(index);
                using var request = new BinaryOffload($"{run}-{d}-{n}", samples.Sample(index).ToArray(), label, 0.5)
                {
                    Label = label,
                    Datatype = samples.Datatype.Name(),
                }.ToRequest();
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[d]);
                request.Headers.Add(WireHeaders.Deadline, header);
                var started = clock.Elapsed;
                string outcome;
                TimeSpan? retryAfter = null;
                try
                {
                    using var response = await client.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    retryAfter = response.Headers.RetryAfter?.Delta;
                    outcome = response.StatusCode switch
                    {
                        HttpStatusCode.OK => "answered",
                        HttpStatusCode.ServiceUnavailable when body.Contains("deadline", StringComparison.OrdinalIgnoreCase) => "503 deadline",
                        HttpStatusCode.ServiceUnavailable => "503 overloaded",
                        var other => $"{(int)other}",
                    };
                }
                catch (HttpRequestException ex)
                {
                    outcome = ex.HttpRequestError.ToString();
                }

                var finished = clock.Elapsed;
                if (started >= warmup && finished <= until)
                    outcomes[d].Add((outcome, (finished - started).TotalMilliseconds));
                // A device waits what a 503 asks before its next sample, as the SDK does (unless --no-backoff).
                if (backoff && retryAfter is { } wait && until - clock.Elapsed is { } left && left > TimeSpan.Zero)
                    await Task.Delay(wait < left ? wait : left);
            }
        })).ToArray();
        await Task.WhenAll(loops);
        var all = outcomes.SelectMany(o => o).ToList();
        var byKind = all.GroupBy(o => o.Outcome).OrderByDescending(g => g.Count()).Select(g =>
        {
            var sorted = g.Select(o => o.Ms).Order().ToArray();
            return new DeadlineOutcome(g.Key, sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted[^1],
                sorted.Count(ms => ms > deadlineMs + SlackMs));
        }).ToList();
        return new DeadlineResult(pair.Large.Reference, devices, deadlineMs, window > TimeSpan.Zero ? all.Count / window.TotalSeconds : 0, byKind);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
