using System.Text.Json;

namespace HiPortal.Cli.Tests;

/// <summary>
/// <c>hiportal decisions</c> against the real server on loopback: the stored decisions as CSV and JSON Lines, in id
/// order, picked up again from <c>--after</c>, followed as new ones are stored; bad arguments refused before any request.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class DecisionsCommandTests : IAsyncLifetime
{
    private const string Nowhere = "http://127.0.0.1:9";
    private readonly string _root = Directory.CreateTempSubdirectory("hiportal-decisions-cli-").FullName;
    private readonly string _fleet = Samples.Unique("export");
    private HiPortalHost _app = null!;

    public async Task InitializeAsync() => _app = await HiPortalHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private string[] Decisions(params string[] args) => Against(_app.HttpAddress.ToString(), args);

    private static string[] Against(string server, params string[] args) =>
        ["decisions", .. args, "--server", server, "--admin-password", HiPortalHost.AdminPassword];

    private string File(string name) => Path.Combine(_root, name);

    private static List<JsonElement> JsonLines(string path) =>
        System.IO.File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    [Fact]
    public async Task Csv_And_JsonLines_HoldTheFleetsDecisionsInIdOrder_AndAfterPicksUpWhereTheLastRunEnded()
    {
        using var device = await _app.CreateDeviceAsync("exporter", _fleet);
        var answers = new List<OffloadResponse>();
        for (var i = 0; i < 5; i++)
            answers.Add(await device.OffloadAsync(i, $"export-{i}"));
        // Another fleet's decision, which the filter leaves out.
        using var other = await _app.CreateDeviceAsync("elsewhere", Samples.Unique("other"));
        await other.OffloadAsync(7, "not-this-fleet");

        var (csvCode, csvOutput) = HiportalProcess.Run(Decisions("--fleet", _fleet, "--out", File("all.csv")));
        var (firstCode, firstOutput) = HiportalProcess.Run(Decisions("--fleet", _fleet, "--format", "jsonl", "--probabilities", "--limit", "3",
            "--out", File("first.jsonl")));

        Assert.True(csvCode == 0, csvOutput);
        var csv = System.IO.File.ReadAllLines(File("all.csv"));
        Assert.StartsWith("id,receivedAt,deviceId,fleet,sampleId,", csv[0], StringComparison.Ordinal);
        Assert.Equal(answers.Select(a => $"\"{a.SampleId}\""), csv.Skip(1).Select(row => row.Split(',')[4]));
        Assert.All(csv.Skip(1), row => Assert.Equal(_fleet, row.Split(',')[3]));
        Assert.True(firstCode == 0, firstOutput);
        var first = JsonLines(File("first.jsonl"));
        Assert.Equal(answers.Take(3).Select(a => a.SampleId), first.Select(d => d.GetProperty("sampleId").GetString()));
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(answers[i].PredictedClass, first[i].GetProperty("serverClass").GetInt32());
            Assert.Equal(answers[i].Probabilities, first[i].GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray());
        }

        var last = first[^1].GetProperty("id").GetInt64();
        Assert.Contains($"wrote 3 decisions (ids {first[0].GetProperty("id").GetInt64()} to {last})", firstOutput);
        Assert.Contains($"next --after {last}", firstOutput);
        Assert.Equal(first.Select(d => d.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            csv.Skip(1).Take(3).Select(row => row.Split(',')[0]));

        var (restCode, restOutput) = HiportalProcess.Run(Decisions("--fleet", _fleet, "--format", "jsonl", "--after", $"{last}", "--out", File("rest.jsonl")));

        Assert.True(restCode == 0, restOutput);
        var rest = JsonLines(File("rest.jsonl"));
        Assert.Equal(answers.Skip(3).Select(a => a.SampleId), rest.Select(d => d.GetProperty("sampleId").GetString()));
        Assert.All(rest, d => Assert.Equal(JsonValueKind.Null, d.GetProperty("probabilities").ValueKind));
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task Follow_WritesDecisionsStoredAfterItStarted_AndEndsAtItsLimit(string format)
    {
        using var device = await _app.CreateDeviceAsync("followed", _fleet);
        var before = await device.OffloadAsync(0, "before");
        var path = File($"follow.{format}");
        // Polls every 0.1 s until it has written 3: one stored before it started, two after.
        var firstRowWritten = WhenFileHasAsync(path, lines => lines.Any(line => line.Contains("before", StringComparison.Ordinal)));
        var follow = Task.Run(() => HiportalProcess.Run(Decisions("--fleet", _fleet, "--format", format, "--follow", "--interval", "0.1",
            "--limit", "3", "--out", path)));
        // The later ones are stored only once the export has written the first and is polling: a follow, not one read.
        await firstRowWritten.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(follow.IsCompleted, "the export ended before the later decisions were stored");
        var later = new[] { await device.OffloadAsync(1, "later-1"), await device.OffloadAsync(2, "later-2") };

        var (code, output) = await follow.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 0, output);
        var sampleIds = format == "jsonl"
            ? JsonLines(path).Select(d => d.GetProperty("sampleId").GetString()!).ToList()
            : System.IO.File.ReadAllLines(path).Skip(1).Select(row => row.Split(',')[4].Trim('"')).ToList();
        Assert.Equal(new[] { before.SampleId, later[0].SampleId, later[1].SampleId }, sampleIds);
        Assert.Contains("wrote 3 decisions", output);
        if (format == "csv")
            Assert.Single(System.IO.File.ReadAllLines(path), row => row.StartsWith("id,", StringComparison.Ordinal));
    }

    /// <summary>Completes once <paramref name="path"/>'s lines satisfy <paramref name="done"/>, woken by the file's own changes.</summary>
    private static async Task WhenFileHasAsync(string path, Func<string[], bool> done)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        void Check()
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                if (done(reader.ReadToEnd().Split('\n')))
                    reached.TrySetResult();
            }
            catch (IOException)
            {
                // Not there yet (the export has not created it): its Created event checks again.
            }
        }

        watcher.Changed += (_, _) => Check();
        watcher.Created += (_, _) => Check();
        watcher.EnableRaisingEvents = true;
        Check();
        await reached.Task;
    }

    [Fact]
    public void UnknownFleet_IsRefusedByTheServer_WithTheProblemsField()
    {
        var (code, output) = HiportalProcess.Run(Decisions("--fleet", "no-such-fleet-here", "--out", File("none.csv")));

        Assert.Equal(3, code);
        Assert.Contains("refused (404): fleet: no fleet is named 'no-such-fleet-here'", output);
    }

    [Theory]
    [InlineData(new[] { "--probabilities" }, "--probabilities needs --format jsonl")]
    [InlineData(new[] { "--limit", "0" }, "--limit must be at least 1")]
    [InlineData(new[] { "--after", "-1" }, "--after must be 0 or more")]
    [InlineData(new[] { "--interval", "0" }, "--interval must be between 0.1 and 3600 seconds")]
    [InlineData(new[] { "--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z" }, "--to must be after --from")]
    [InlineData(new[] { "--format", "xml" }, "xml")]
    public void BadArguments_AreRefusedBeforeAnyRequest(string[] args, string message)
    {
        var (code, output) = HiportalProcess.Run(Against(Nowhere, args));

        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
    }
}
