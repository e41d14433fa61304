using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Inference;

namespace HiPortal.Server.Tests;

/// <summary>Two batches of the model in flight at once (<c>Batching:Instances</c>), each filled for up to 50 ms.</summary>
public sealed class TwoInstancesServerFixture : ServerFixture
{
    protected override HiPortalHostOptions Options => new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Batching:Instances"] = "2",
            ["Batching:MaxBatchSize"] = "16",
            ["Batching:MaxQueueDelay"] = "00:00:00.050",
        },
    };
}

public sealed class BatchingInstancesTests(TwoInstancesServerFixture server) : IClassFixture<TwoInstancesServerFixture>
{
    [Fact]
    public async Task TwoInstancesOnOneQueue_AnswerEveryOffloadWithItsOwnRow_AndStoreEachOnce()
    {
        const int count = 96;
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(i, $"instances-{i}"))));
        for (var i = 0; i < count; i++)
        {
            using var response = responses[i];
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = (await response.Content.ReadFromJsonAsync<OffloadResponse>())!;
            // Two workers copy rows into their own buffers: each answer is still its own image's.
            Assert.Equal($"instances-{i}", answer.SampleId);
            Assert.InRange(answer.BatchSize, 1, 16);
            var expected = LargeModel.Probabilities(Samples.Test.Sample(i));
            Assert.Equal(LargeModel.ArgMax(expected), answer.PredictedClass);
            Assert.Equal(expected[answer.PredictedClass], answer.Probabilities[answer.PredictedClass], 1e-5f);
        }

        Assert.Equal(count, await server.App.Database.CountAsync(
            "SELECT COUNT(DISTINCT \"SampleId\") FROM \"Decisions\" WHERE \"DeviceId\" = @d AND \"SampleId\" LIKE 'instances-%'",
            ("@d", server.Device.DeviceId)));
        Assert.Equal(count, await server.App.Database.CountAsync(
            "SELECT COUNT(*) FROM \"Decisions\" WHERE \"DeviceId\" = @d AND \"SampleId\" LIKE 'instances-%'",
            ("@d", server.Device.DeviceId)));
    }

    [Fact]
    public void ByDefault_TwoExecutionsRunInFlight_EachWithItsShareOfTheCores()
    {
        Assert.Equal(2, new BatchingOptions().Instances);
        var cpu = new InferenceOptions();
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), cpu.ThreadsPerExecution(2));
        Assert.Equal(Environment.ProcessorCount, cpu.ThreadsPerExecution(1));
        Assert.Equal(1, cpu.ThreadsPerExecution(Environment.ProcessorCount * 4));
        // An explicit count is kept as given; CUDA keeps ONNX Runtime's own default (0).
        Assert.Equal(3, new InferenceOptions { IntraOpThreads = 3 }.ThreadsPerExecution(2));
        Assert.Equal(0, new InferenceOptions { Provider = HiPortal.Core.Inference.ExecutionProvider.Cuda }.ThreadsPerExecution(2));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    public async Task InstancesOutsideOneToSixteen_StopsTheHost_NamingTheKey(string instances)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var _ = await HiPortalHost.StartAsync(new HiPortalHostOptions
            {
                Settings = new Dictionary<string, string?> { ["Batching:Instances"] = instances },
            });
        });

        Assert.Contains("Instances", failure.ToString(), StringComparison.Ordinal);
    }
}
