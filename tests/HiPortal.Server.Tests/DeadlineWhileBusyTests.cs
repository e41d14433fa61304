using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Server.Tests;

/// <summary>
/// Holds every model execution until released: a model as slow as the test wants, on cue. Unarmed
/// (<paramref name="armed"/> false), it passes every execution until <see cref="Arm"/>.
/// </summary>
public sealed class HeldBatches(bool armed = true) : IBatchGate
{
    private readonly TaskCompletionSource<int> _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _armed = armed;

    /// <summary>Completes with the batch size once a batch is held.</summary>
    public Task<int> Entered => _entered.Task;

    public bool IsReleased => _release.Task.IsCompleted;

    public void Arm() => _armed = true;

    public void Release() => _release.TrySetResult();

    public async ValueTask BeforeRunAsync(ServedModel model, int batchSize)
    {
        if (!_armed)
        {
            return;
        }

        _entered.TrySetResult(batchSize);
        await _release.Task;
    }
}

// Reads /metrics: runs alone so no other test's server adds to the process-wide HiPortal meter.
[Collection(MetricsCollection.Name)]
public sealed class DeadlineWhileBusyTests
{
    /// <summary>
    /// A server on <paramref name="time"/> whose executions <paramref name="gate"/> holds, with one execution in flight,
    /// so later requests wait in the queue behind the held batch rather than running beside it (the default is two).
    /// </summary>
    private static Task<HiPortalHost> StartHeldAsync(FakeTimeProvider time, HeldBatches gate)
    {
        var options = HiPortalHostOptions.FakeClock(time);
        return HiPortalHost.StartAsync(options with
        {
            Services = services => services.AddSingleton<IBatchGate>(gate),
            Settings = new Dictionary<string, string?>(options.Settings) { ["Batching:Instances"] = "1" },
        });
    }

    [Fact]
    public async Task PostOffload_IsAnsweredAtItsDeadline_WhileItsBatchIsStillRunning_AndQueueMetricsShowTheWait()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gate = new HeldBatches();
        await using var app = await StartHeldAsync(time, gate);
        using var device = await app.CreateDeviceAsync();
        using var anonymous = app.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/offloads") { Content = JsonContent.Create(Samples.Offload(0, "held")) };
        request.Headers.Add(HiPortal.Contracts.WireHeaders.Deadline, "1000");

        var held = device.SendAsync(request);
        Assert.Equal(1, await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        var waiting = device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(1, "behind-the-held-batch"));
        // Both gauges say so while the batch runs: one sample running, one request waiting behind it.
        await Prometheus.WaitForAsync(anonymous, page =>
            Prometheus.Sum(page, "hiportal_batch_running") == 1 && Prometheus.Sum(page, "hiportal_queue_depth") == 1);
        Assert.False(held.IsCompleted, "answered before its deadline passed");

        var before = await Prometheus.ScrapeAsync(anonymous);
        time.Advance(TimeSpan.FromSeconds(2));
        using var expired = await held.WaitAsync(TimeSpan.FromSeconds(30));
        // The exporter caches its page for a moment: wait for one that counts the expiry.
        var after = await Prometheus.WaitForAsync(anonymous, page => Prometheus.Sum(page, "hiportal_deadline_lateness_seconds_count") is > 0
            && Prometheus.Sum(page, "hiportal_deadline_lateness_seconds_count") != Prometheus.Sum(before, "hiportal_deadline_lateness_seconds_count"));

        Assert.False(gate.IsReleased, "the batch must still be running when the expired request is answered");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, expired.StatusCode);
        Assert.NotNull(expired.Headers.RetryAfter);
        Assert.Contains("deadline", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(waiting.IsCompleted, "the waiting request has the default deadline (5 s) and must still wait");
        // Its lateness past the deadline is recorded twice: when the timer ran and when the handler resumed to answer;
        // the clock moved 2 s past a 1 s deadline, so neither is more than 1 s, and the handler is not before the timer.
        double Delta(string metric, string stage) =>
            (Prometheus.Sum(after, metric, $"stage=\"{stage}\"") ?? 0) - (Prometheus.Sum(before, metric, $"stage=\"{stage}\"") ?? 0);
        Assert.Equal(1, Delta("hiportal_deadline_lateness_seconds_count", "timer"));
        Assert.Equal(1, Delta("hiportal_deadline_lateness_seconds_count", "handler"));
        Assert.InRange(Delta("hiportal_deadline_lateness_seconds_sum", "timer"), 0, 1.000001);
        Assert.InRange(Delta("hiportal_deadline_lateness_seconds_sum", "handler"), Delta("hiportal_deadline_lateness_seconds_sum", "timer"), 1.000001);

        gate.Release();
        using var answered = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        // The held batch still ran and stored its decision: the device's retry is answered from the database.
        var replay = await device.OffloadAsync(0, "held");
        Assert.True(replay.Replayed);
    }

    [Fact]
    public async Task BatchedAndOipRequests_ExpiringBehindAHeldBatch_RecordTheirLateness()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gate = new HeldBatches();
        await using var app = await StartHeldAsync(time, gate);
        using var device = await app.CreateDeviceAsync();
        using var anonymous = app.CreateAnonymousClient();
        var held = device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "held-first"));
        Assert.Equal(1, await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30)));

        string Item(int i) => System.Text.Json.JsonSerializer.Serialize(Samples.Offload(i, $"batched-{i}"), HiPortal.Contracts.ContractsJson.Default.OffloadRequest);
        using var batchRequest = new HttpRequestMessage(HttpMethod.Post, HiPortal.Contracts.Routes.OffloadsBatch)
        {
            Content = ResponseAssertions.RawJson($"{{\"items\": [{Item(1)}, {Item(2)}]}}"),
        };
        batchRequest.Headers.Add(HiPortal.Contracts.WireHeaders.Deadline, "1000");
        var batch = device.SendAsync(batchRequest);
        var data = Samples.Test.Sample(3).ToArray().Select(p => p / 255f).ToArray();
        var infer = device.PostAsJsonAsync("/v2/models/fashion-large/infer",
            new { inputs = new[] { new { name = "input", shape = new[] { 1, 1, 28, 28 }, datatype = "FP32", data } } });
        await Prometheus.WaitForAsync(anonymous, page => Prometheus.Sum(page, "hiportal_queue_depth") == 3);

        var before = await Prometheus.ScrapeAsync(anonymous);
        // Past the batch's 1 s and the server's 5 s default (the held request's and the OIP call's).
        time.Advance(TimeSpan.FromSeconds(6));
        using var batchResponse = await batch.WaitAsync(TimeSpan.FromSeconds(30));
        using var inferResponse = await infer.WaitAsync(TimeSpan.FromSeconds(30));
        using var heldResponse = await held.WaitAsync(TimeSpan.FromSeconds(30));
        var after = await Prometheus.WaitForAsync(anonymous, page =>
            Prometheus.Sum(page, "hiportal_deadline_lateness_seconds_count", "stage=\"handler\"")
                - (Prometheus.Sum(before, "hiportal_deadline_lateness_seconds_count", "stage=\"handler\"") ?? 0) >= 4);

        Assert.False(gate.IsReleased, "everything expired while the batch was held");
        var items = (await batchResponse.JsonAsync(HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal(503, items[0].GetProperty("status").GetInt32());
        Assert.Equal(503, items[1].GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, inferResponse.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, heldResponse.StatusCode);
        // One timer and one handler record each: the held offload, the batch's two items and the OIP call's sample.
        double Delta(string metric, string stage) =>
            (Prometheus.Sum(after, metric, $"stage=\"{stage}\"") ?? 0) - (Prometheus.Sum(before, metric, $"stage=\"{stage}\"") ?? 0);
        Assert.Equal(4, Delta("hiportal_deadline_lateness_seconds_count", "timer"));
        Assert.Equal(4, Delta("hiportal_deadline_lateness_seconds_count", "handler"));
        gate.Release();
    }
}
