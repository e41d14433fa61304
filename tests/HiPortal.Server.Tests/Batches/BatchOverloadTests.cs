using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Inference;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Batches;

public sealed class BatchOverloadTests
{
    [Fact]
    public async Task PostBatch_Answers503PerItem_ForItemsTheFullQueueRefused_AndStillAnswersTheAcceptedOnes()
    {
        await using var app = await HiPortalHost.StartAsync(new()
        {
            Settings = new Dictionary<string, string?>
            {
                ["Batching:QueueCapacity"] = "2",
                // The worker holds the first two items up to 1 s for a fuller batch, so the rest find the queue full.
                ["Batching:MaxQueueDelay"] = "00:00:01",
                ["Batching:MaxBatchSize"] = "8",
            },
        });
        using var device = await app.CreateDeviceAsync();
        var depths = new List<int>();
        app.Services.GetRequiredService<ModelHost>().Enqueued += depths.Add;

        using var response = await device.PostAsJsonAsync(Routes.OffloadsBatch,
            new OffloadBatchRequest { Items = Enumerable.Range(0, 4).Select(i => Samples.Offload(i, $"busy-{i}")).ToList() },
            ContractsJson.Default.OffloadBatchRequest);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        var answer = (await response.Content.ReadFromJsonAsync(ContractsJson.Default.OffloadBatchResponse))!;
        Assert.Equal([1, 2], depths);
        Assert.Equal([200, 200, 503, 503], answer.Items.Select(i => i.Status));
        Assert.All(answer.Items.Skip(2), i => Assert.Equal(503, i.Error!.Status));
        Assert.Equal(2L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" LIKE 'busy-%'"));
        Assert.Equal(0L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Decisions\" WHERE \"SampleId\" IN ('busy-2', 'busy-3')"));
    }
}
