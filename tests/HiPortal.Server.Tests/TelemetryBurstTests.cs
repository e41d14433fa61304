using System.Net;
using System.Text.Json;
using HiPortal.Server.Persistence;
using HiPortal.Server.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using static HiPortal.Server.Tests.ScaleOut.ClusterProbes;
using static HiPortal.Server.Tests.TelemetryTests;

namespace HiPortal.Server.Tests;

/// <summary>
/// A fleet's telemetry arriving in the same second: many posts share a write transaction, and a full queue answers
/// 503 at once. The test holds the write gate (made exclusive on either provider) so the posts pile up on cue.
/// </summary>
public sealed class TelemetryBurstTests
{
    [Fact]
    public async Task ABurstOfPosts_IsWrittenInAFewTransactions_WithEachDevicesBookkeepingRight()
    {
        const int Devices = 40;
        var gate = new WriteGate(exclusive: true);
        await using var app = await HiPortalHost.StartAsync(new HiPortalHostOptions { Services = s => s.AddSingleton(gate) });
        var devices = await RegisterAsync(app, "burst", Devices);
        var clients = devices.Select(app.CreateDeviceClient).ToList();
        var writer = app.Services.GetRequiredService<TelemetryWriter>();

        Task<HttpResponseMessage>[] posts;
        using (await gate.EnterAsync())
        {
            // Every device reports once; the first also sends its next report in the same burst.
            posts = [.. clients.Select(c => PostAsync(c, Body(Report(1)))), PostAsync(clients[0], Body(Report(2)))];
            await EventuallyAsync(() => Task.FromResult(writer.Waiting == Devices + 1), TimeSpan.FromSeconds(30),
                "every post waits at the writer");
        }

        var answers = await Task.WhenAll(posts);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        // This host has stored no other telemetry. The writer took what had arrived when it first woke, then waited at
        // the gate: everything else is one batch. (Counted by this host's writer: the batch-size histogram is fed by
        // every host in this test process, since meters are process-wide, and once read 45 posts for these 41.)
        Assert.InRange(writer.Transactions, 1, 2);
        Assert.Equal(Devices + 1, await app.Database.CountAsync(
            "SELECT COUNT(*) FROM \"Telemetry\" WHERE \"Fleet\" = @fleet", ("@fleet", "burst")));
        // Both of the first device's reports were applied to its row in turn: last sequence 2, no gap, whatever the order.
        Assert.Equal(2, await app.Database.CountAsync(
            "SELECT \"LastTelemetrySequence\" FROM \"Devices\" WHERE \"Id\" = @id AND \"TelemetryGaps\" = 0", ("@id", devices[0].DeviceId)));
        Assert.Equal(Devices - 1, await app.Database.CountAsync(
            "SELECT COUNT(*) FROM \"Devices\" WHERE \"Fleet\" = @fleet AND \"LastTelemetrySequence\" = 1 AND \"TelemetryGaps\" = 0",
            ("@fleet", "burst")));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task AFullQueue_Answers503WithRetryAfter_AndStoresNothingOfThoseRefused()
    {
        const int Posts = 8;
        var gate = new WriteGate(exclusive: true);
        await using var app = await HiPortalHost.StartAsync(new HiPortalHostOptions
        {
            Services = s => s.AddSingleton(gate),
            Settings = new Dictionary<string, string?> { ["Telemetry:QueueCapacity"] = "2" },
        });
        var devices = await RegisterAsync(app, "full", Posts);
        var clients = devices.Select(app.CreateDeviceClient).ToList();
        var writer = app.Services.GetRequiredService<TelemetryWriter>();

        var posts = new Task<HttpResponseMessage>[Posts];
        using (await gate.EnterAsync())
        {
            // One after another, each either waiting at the writer or answered before the next is sent. The writer
            // holds what it read before it blocked at the gate, at most the queue's two, and the queue two more:
            // at most four are accepted, the rest are refused while the gate is held.
            var accepted = 0;
            for (var i = 0; i < Posts; i++)
            {
                var post = posts[i] = PostAsync(clients[i], Body(Report(1)));
                await EventuallyAsync(() => Task.FromResult(post.IsCompleted || writer.Waiting == accepted + 1), TimeSpan.FromSeconds(30),
                    $"post {i} is answered or waits at the writer");
                if (!post.IsCompleted)
                {
                    accepted++;
                }
            }

            Assert.InRange(accepted, 3, 4);
            Assert.All(posts.Where(p => p.IsCompleted), p => Assert.Equal(HttpStatusCode.ServiceUnavailable, p.Result.StatusCode));
        }

        var answers = await Task.WhenAll(posts);

        var refused = Enumerable.Range(0, Posts).Where(i => answers[i].StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(Posts - refused.Count, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        foreach (var i in refused)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), answers[i].Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", answers[i].Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await answers[i].Content.ReadAsStringAsync());
            Assert.Equal("the telemetry queue is full", problem.RootElement.GetProperty("detail").GetString());
        }

        Assert.Equal(Posts - refused.Count, await app.Database.CountAsync(
            "SELECT COUNT(*) FROM \"Telemetry\" WHERE \"Fleet\" = @fleet", ("@fleet", "full")));
        // A refused device that sends again once the writer is free is stored.
        var again = await PostOkAsync(clients[refused[0]], Report(1));
        Assert.Equal((1, 0), (again.Accepted, again.Duplicates));
        foreach (var disposable in answers.Cast<IDisposable>().Concat(clients))
        {
            disposable.Dispose();
        }
    }

    private static async Task<CreatedDevice[]> RegisterAsync(HiPortalHost app, string fleet, int count)
    {
        using var admin = await app.CreateAdminAsync();
        await admin.EnsureFleetAsync(new CreateFleetRequest(fleet));
        var devices = new CreatedDevice[count];
        for (var i = 0; i < count; i++)
        {
            devices[i] = await admin.RegisterDeviceAsync($"{fleet}-{i}", fleet);
        }

        return devices;
    }
}
