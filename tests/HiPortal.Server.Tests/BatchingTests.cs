using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Inference;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>A server that waits up to 100 ms to fill a batch, so concurrent requests reliably share one.</summary>
public sealed class BatchingServerFixture : ServerFixture
{
    protected override HiPortalHostOptions Options => new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Batching:MaxQueueDelay"] = "00:00:00.100",
        },
    };
}

// Reads /metrics: runs alone so no other test's server adds to the process-wide HiPortal meter.
[Collection(MetricsCollection.Name)]
public sealed class BatchingTests(BatchingServerFixture server) : IClassFixture<BatchingServerFixture>
{
    [Fact]
    public async Task ConcurrentOffloads_ShareModelExecutions_AndEachGetsItsOwnAnswer()
    {
        const int count = 64;
        var posts = Enumerable.Range(0, count).Select(i =>
            server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(i, $"batched-{i}"))).ToArray();
        var responses = await Task.WhenAll(posts);
        var answers = new OffloadResponse[count];
        for (var i = 0; i < count; i++)
        {
            using var response = responses[i];
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers[i] = (await response.Content.ReadFromJsonAsync<OffloadResponse>())!;
        }

        Assert.Contains(answers, a => a.BatchSize > 1);
        for (var i = 0; i < count; i++)
        {
            // Each answer is for its own image: a batch never mixes up which row belongs to which request.
            Assert.Equal($"batched-{i}", answers[i].SampleId);
            var expected = LargeModel.Probabilities(Samples.Test.Sample(i));
            Assert.Equal(LargeModel.ArgMax(expected), answers[i].PredictedClass);
            for (var c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c], answers[i].Probabilities[c], 1e-5f);
            }
        }

        var page = await Prometheus.ScrapeAsync(server.Anonymous);
        var inferences = Prometheus.Sum(page, "hiportal_inferences_total");
        var executions = Prometheus.Sum(page, "hiportal_executions_total");
        Assert.NotNull(inferences);
        Assert.NotNull(executions);
        Assert.True(inferences >= count, $"inferences {inferences}");
        Assert.True(inferences > executions, $"inferences {inferences} should exceed executions {executions}");
        // The model's own CPU, from the calling thread's clock: some was spent, and a thread's CPU over an execution
        // never exceeds the execution's wall time (a batch finishing between the two reads is the tolerance).
        var modelCpu = Prometheus.Sum(page, "hiportal_inference_caller_cpu_seconds_total");
        var modelWall = Prometheus.Sum(page, "hiportal_inference_duration_seconds_sum");
        Assert.True(OperatingSystem.IsLinux() ? modelCpu > 0 : modelCpu is null, $"model CPU {modelCpu}");
        Assert.True(modelCpu is null || modelCpu <= (modelWall * 1.05) + 0.01, $"model CPU {modelCpu} s against wall {modelWall} s");
    }

    [Fact]
    public async Task PostOffload_Returns503WithRetryAfter_WhenQueueIsFull()
    {
        await using var app = await HiPortalHost.StartAsync(new()
        {
            Settings = new Dictionary<string, string?>
            {
                ["Batching:QueueCapacity"] = "1",
                // The longest delay the options allow: the second request must arrive while the first is still held,
                // and a busy 2-core CI machine can take a few hundred milliseconds to send it.
                ["Batching:MaxQueueDelay"] = "00:00:01",
                ["Batching:MaxBatchSize"] = "8",
            }
        });
        using var device = await app.CreateDeviceAsync();
        var queue = app.Services.GetRequiredService<ModelHost>();

        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Enqueued += _ => queued.TrySetResult();
        var first = device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "fills-the-queue"));
        // The worker holds the first request for up to 1 s while it waits for a fuller batch; it still counts.
        await queued.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(first.IsCompleted, "the first request should still be waiting in the batch");
        using var second = await device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(1, "finds-it-full"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await second.Content.ReadAsStringAsync()))
        {
            Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        }

        using var firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(0L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" = 'finds-it-full'"));
        Assert.Equal(1L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" = 'fills-the-queue'"));
        Assert.Equal(1, Prometheus.Sum(await Prometheus.ScrapeAsync(device), "hiportal_requests_total", "reason=\"queue_full\""));
    }

    [Fact]
    public async Task PostOffload_Returns503AndNeverRunsTheModel_WhenTheDeadlinePassesInTheQueue()
    {
        await using var app = await HiPortalHost.StartAsync(new()
        {
            Settings = new Dictionary<string, string?>
            {
                ["Batching:MaxQueueDelay"] = "00:00:00.500",
                ["Batching:MaxBatchSize"] = "8",
            }
        });
        using var client = app.CreateAnonymousClient();
        using var device = await app.CreateDeviceAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/offloads")
        {
            Content = JsonContent.Create(Samples.Offload(0, "too-late")),
        };
        request.Headers.Add(HiPortal.Contracts.WireHeaders.Deadline, "50");

        using var response = await device.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The deadline's timer answered at once; the worker drops the request when its collection window closes.
        var page = await Prometheus.WaitForAsync(client, p => Prometheus.Sum(p, "hiportal_requests_total", "reason=\"deadline_in_queue\"") is not null);
        Assert.Equal(0L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\""));
        Assert.True(Prometheus.Sum(page, "hiportal_executions_total") is null or 0, "the model must not have run");
        Assert.True(Prometheus.Sum(page, "hiportal_inferences_total") is null or 0, "the model must not have run");
        Assert.Equal(1, Prometheus.Sum(page, "hiportal_requests_total", "reason=\"deadline_in_queue\""));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
