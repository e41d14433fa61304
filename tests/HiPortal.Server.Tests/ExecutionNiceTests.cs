using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Inference;

namespace HiPortal.Server.Tests;

/// <summary>Executions on threads of their own below the request path's priority (<c>Inference:ExecutionNice</c>).</summary>
public sealed class NicedExecutionsServerFixture : ServerFixture
{
    public const int Nice = 7;

    protected override HiPortalHostOptions Options => new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Inference:ExecutionNice"] = $"{Nice}",
            ["Batching:Instances"] = "2",
            ["Batching:MaxBatchSize"] = "16",
            ["Batching:MaxQueueDelay"] = "00:00:00.050",
        },
    };
}

public sealed class ExecutionNiceTests(NicedExecutionsServerFixture server) : IClassFixture<NicedExecutionsServerFixture>
{
    [Fact]
    public async Task NicedExecutions_AnswerAsTheModelDoes_OnTwoThreadsAtTheirNice()
    {
        const int count = 48;
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            server.DeviceClient.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(i, $"niced-{i}"))));
        for (var i = 0; i < count; i++)
        {
            using var response = responses[i];
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = (await response.Content.ReadFromJsonAsync<OffloadResponse>())!;
            Assert.Equal($"niced-{i}", answer.SampleId);
            var expected = LargeModel.Probabilities(Samples.Test.Sample(i));
            Assert.Equal(LargeModel.ArgMax(expected), answer.PredictedClass);
            Assert.Equal(expected[answer.PredictedClass], answer.Probabilities[answer.PredictedClass], 1e-5f);
        }

        // One execution thread per instance, named for the model (Linux keeps 15 characters of it), at the nice asked for.
        var threads = ExecutionThreads().ToList();
        Assert.Equal(2, threads.Count);
        Assert.All(threads, t => Assert.Equal(NicedExecutionsServerFixture.Nice, t.Nice));
    }

    [Fact]
    public void ByDefault_ExecutionsRunInline_AndOnCudaAlways()
    {
        Assert.Equal(0, new InferenceOptions().EffectiveExecutionNice);
        Assert.Equal(5, new InferenceOptions { ExecutionNice = 5 }.EffectiveExecutionNice);
        Assert.Equal(0, new InferenceOptions { ExecutionNice = 5, Provider = HiPortal.Core.Inference.ExecutionProvider.Cuda }.EffectiveExecutionNice);
    }

    /// <summary>This process's threads named "model fashion-large@…" with their nice (field 19 of /proc/self/task/*/stat).</summary>
    private static IEnumerable<(string Name, int Nice)> ExecutionThreads()
    {
        var expected = $"model fashion-large@{LargeModel.Version}"[..15];
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var name = stat[(open + 1)..close];
            if (name != expected)
                continue;
            // After "(comm)": state is field 3, so nice (field 19) is the 17th.
            var fields = stat[(close + 2)..].Split(' ');
            yield return (name, int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
