using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HiPortal.Cli.Common;
using HiPortal.Client;
using HiPortal.Contracts;
using Spectre.Console;

namespace HiPortal.Cli.Decisions;

/// <summary>
/// <c>hiportal decisions</c>: the server's stored decisions (<c>GET /api/v1/decisions</c>) to a CSV or JSON Lines file,
/// in id order, filtered as the API filters. <c>--follow</c> keeps the file growing as new decisions are stored, from
/// the last id written (a tail that neither skips nor repeats a row, since new rows only get larger ids); Ctrl-C ends
/// it. Data goes to <c>--out</c> or standard output; messages go to standard error when the data takes standard output.
/// </summary>
public static class DecisionsCommand
{
    public const int PageSize = 1000;

    public static Command Create()
    {
        var connection = new AdminConnection();
        var fleet = new Option<string?>("--fleet") { Description = "Only this fleet's decisions" };
        var device = new Option<string?>("--device") { Description = "Only this device's decisions" };
        var agrees = new Option<bool?>("--agrees") { Description = "true: the local answer equalled the large model's; false: it did not" };
        var labelled = new Option<bool?>("--labelled") { Description = "true: only samples sent with their label; false: only those without" };
        var exploration = new Option<bool?>("--exploration") { Description = "true: only exploration offloads; false: only the rest" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Received at or after (ISO 8601)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Received before (ISO 8601)" };
        var after = new Option<long>("--after") { Description = "Start after this decision id (0: from the first)", DefaultValueFactory = _ => 0 };
        var limit = new Option<int?>("--limit") { Description = "At most this many decisions" };
        var format = new Option<string>("--format") { Description = "csv (the dashboard export's columns) or jsonl (one API item per line)", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var probabilities = new Option<bool>("--probabilities") { Description = "Include the large model's probabilities (jsonl only)" };
        var output = new Option<string?>("--out") { Description = "Write here (default: standard output)" };
        var follow = new Option<bool>("--follow") { Description = "Keep polling for new decisions until Ctrl-C" };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls with --follow", DefaultValueFactory = _ => 2 };
        var command = connection.AddTo(new Command("decisions", "Export stored decisions as CSV or JSON Lines, optionally following new ones")
        {
            fleet, device, agrees, labelled, exploration, from, to, after, limit, format, probabilities, output, follow, interval,
        });
        after.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 0) { r.AddError("--after must be 0 or more"); } });
        limit.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) { r.AddError("--limit must be at least 1"); } });
        interval.Validators.Add(r => { if (r.GetValueOrDefault<double>() is not (>= 0.1 and <= 3600)) { r.AddError("--interval must be between 0.1 and 3600 seconds"); } });
        command.Validators.Add(r =>
        {
            if (r.GetValue(probabilities) && r.GetValue(format) != "jsonl")
                r.AddError("--probabilities needs --format jsonl (the CSV columns have no probabilities)");
            if (r.GetValue(from) is { } f && r.GetValue(to) is { } t && t <= f)
                r.AddError("--to must be after --from");
        });

        command.SetAction(async (parse, ct) =>
        {
            var filters = new List<string>();
            void Add(string name, string? value)
            {
                if (value is not null)
                    filters.Add($"{name}={Uri.EscapeDataString(value)}");
            }

            Add("fleet", parse.GetValue(fleet));
            Add("deviceId", parse.GetValue(device));
            Add("agrees", Flag(parse.GetValue(agrees)));
            Add("labelled", Flag(parse.GetValue(labelled)));
            Add("exploration", Flag(parse.GetValue(exploration)));
            Add("from", parse.GetValue(from)?.ToString("O", CultureInfo.InvariantCulture));
            Add("to", parse.GetValue(to)?.ToString("O", CultureInfo.InvariantCulture));
            if (parse.GetValue(probabilities))
                filters.Add("probabilities=true");

            var path = parse.GetValue(output);
            // Data on standard output: messages on standard error, so a redirect holds the data alone.
            var messages = path is null ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            var export = new Export(string.Join('&', filters), parse.GetValue(after), parse.GetValue(limit), parse.GetValue(follow),
                TimeSpan.FromSeconds(parse.GetValue(interval)));
            return await connection.RunAsync(parse, async client =>
            {
                var writer = path is null ? Console.Out : new StreamWriter(path, append: false, new UTF8Encoding(false));
                try
                {
                    var written = parse.GetValue(format) == "jsonl"
                        ? await export.JsonLinesAsync(client, writer, ct)
                        : await export.CsvAsync(client, writer, ct);
                    await writer.FlushAsync(CancellationToken.None);
                    messages.MarkupLineInterpolated(
                        $"wrote {written.Count} decisions{(written.Count > 0 ? $" (ids {written.First} to {written.Last})" : "")} to {path ?? "standard output"}; next --after {written.Last}");
                }
                finally
                {
                    if (path is not null)
                        await writer.DisposeAsync();
                }
            }, messages: messages);
        });
        return command;
    }

    private static string? Flag(bool? value) => value switch { true => "true", false => "false", null => null };

    /// <summary>What was written: how many rows, the first and last ids (the last is where a later run picks up).</summary>
    internal readonly record struct Written(long Count, long First, long Last);

    private sealed class Export(string filters, long after, int? limit, bool follow, TimeSpan interval)
    {
        private long _count;
        private long _first;
        private long _last = after;

        private bool Full => limit is { } n && _count >= n;

        private int? Remaining => limit is { } n ? (int)Math.Min(n - _count, int.MaxValue) : null;

        private string Query(string more) => string.Join('&', new[] { filters, more, $"after={_last}" }.Where(p => p.Length > 0));

        /// <summary>
        /// Pages of the JSON API, each item's JSON as one line. A short page is the end of the table for now: the export
        /// ends there, or with <c>--follow</c> waits and asks again from the last id.
        /// </summary>
        public async Task<Written> JsonLinesAsync(HiPortalClient client, TextWriter writer, CancellationToken cancellationToken)
        {
            try
            {
                while (!Full)
                {
                    var page = await client.DecisionsAsync(Query($"limit={Math.Min(PageSize, Remaining ?? PageSize)}"), cancellationToken);
                    foreach (var item in page.GetProperty("items").EnumerateArray())
                    {
                        await writer.WriteLineAsync(item.GetRawText());
                        Note(item.GetProperty("id").GetInt64());
                    }

                    if (page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null && !await WaitForMoreAsync(writer, cancellationToken))
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C ends a follow: what was written stands, and the summary says where to pick up.
            }

            return new Written(_count, _first, _last);
        }

        /// <summary>
        /// The server's CSV, streamed: its header once, then the rows of each poll (every match after the last id, up to
        /// what <c>--limit</c> leaves). The id is each row's first column.
        /// </summary>
        public async Task<Written> CsvAsync(HiPortalClient client, TextWriter writer, CancellationToken cancellationToken)
        {
            var header = true;
            try
            {
                while (!Full)
                {
                    var route = $"{Routes.Decisions}?{Query(Remaining is { } n ? $"format=csv&limit={n}" : "format=csv")}";
                    using var response = await client.GetAsync(route, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    await HiPortalClient.EnsureSuccessAsync(response, $"GET {Routes.Decisions}", cancellationToken);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
                    var first = await reader.ReadLineAsync(cancellationToken);
                    if (header && first is not null)
                    {
                        await writer.WriteLineAsync(first);
                        header = false;
                    }

                    while (await reader.ReadLineAsync(cancellationToken) is { } line)
                    {
                        await writer.WriteLineAsync(line);
                        Note(long.Parse(line.AsSpan(0, line.IndexOf(',', StringComparison.Ordinal)), CultureInfo.InvariantCulture));
                    }

                    if (!await WaitForMoreAsync(writer, cancellationToken))
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            return new Written(_count, _first, _last);
        }

        private void Note(long id)
        {
            if (_count++ == 0)
                _first = id;
            _last = id;
        }

        /// <summary>Without <c>--follow</c> the export ends; with it, what was written is flushed and the next poll waits.</summary>
        private async Task<bool> WaitForMoreAsync(TextWriter writer, CancellationToken cancellationToken)
        {
            if (!follow || Full)
                return false;
            await writer.FlushAsync(cancellationToken);
            await Task.Delay(interval, cancellationToken);
            return true;
        }
    }
}
