using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HiPortal.Server.Tests;

/// <summary>A device that got an answer can rely on it: the decision is in SQLite however the server stops.</summary>
public sealed class CrashTests
{
    private const int Posters = 8;

    [Fact]
    public async Task EveryAnsweredOffload_IsInTheDatabase_AfterTheServerIsKilled()
    {
        await using var server = ServerProcess.Start(HiPortalHost.AdminPassword);
        using var client = await server.WaitUntilReadyAsync();
        var key = await CreateDeviceKeyAsync(client);
        var answered = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        var posters = Enumerable.Range(0, Posters).Select(p => PostUntilFailureAsync(server.Address!, key, p, answered, stop.Token)).ToArray();
        // Load for a while, then pull the plug with requests in flight.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await server.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(posters);

        Assert.True(answered.Count >= Posters, $"only {answered.Count} offloads were answered before the kill");
        var stored = await Database.SampleIdsAsync(server.DatabasePath);
        var missing = answered.Where(id => !stored.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {answered.Count} answered offloads are not stored: {string.Join(", ", missing.Take(10))}");
        Assert.Equal(0L, await Database.CountAsync(server.DatabasePath,
            "SELECT COUNT(*) FROM (SELECT DeviceId, SampleId FROM Decisions GROUP BY DeviceId, SampleId HAVING COUNT(*) > 1)"));
    }

    [Fact]
    public async Task EveryAnsweredOffload_IsInTheDatabase_AfterAGracefulShutdownWithRequestsInFlight()
    {
        // A 20 ms batching window keeps requests waiting in the queue at any moment, so stopping catches some.
        await using var app = new HiPortalApp(new Dictionary<string, string?> { ["Batching:MaxQueueDelay"] = "00:00:00.020" });
        using var _ = await app.StartAsync();
        var device = await app.RegisterDeviceAsync();
        var answered = new ConcurrentBag<string>();
        var answeredAfterStop = 0;
        var stopping = false;
        var enoughAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var posters = Enumerable.Range(0, Posters).Select(async p =>
        {
            using var client = app.CreateDeviceClient(device);
            for (var n = 0; ; n++)
            {
                var sampleId = $"graceful-{p}-{n}";
                try
                {
                    using var response = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload((p * 61 + n) % 512, sampleId));
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    return;
                }

                answered.Add(sampleId);
                if (Volatile.Read(ref stopping))
                {
                    Interlocked.Increment(ref answeredAfterStop);
                }
                else if (answered.Count >= 40)
                {
                    enoughAnswered.TrySetResult();
                }
            }
        }).ToArray();

        await enoughAnswered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Volatile.Write(ref stopping, true);
        // Stop (not dispose) the host so its database stays to be read; in-flight requests are allowed to finish.
        await app.Services.GetRequiredService<IHost>().StopAsync();
        await Task.WhenAll(posters).WaitAsync(TimeSpan.FromSeconds(30));

        var stored = await Database.SampleIdsAsync(app.DatabasePath);
        var missing = answered.Where(id => !stored.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {answered.Count} answered offloads are not stored: {string.Join(", ", missing.Take(10))}");
        Assert.True(answeredAfterStop > 0, "no request was in flight when the server stopped");
    }

    private static async Task<string> CreateDeviceKeyAsync(HttpClient client)
    {
        using var token = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = HiPortalHost.AdminPassword });
        token.EnsureSuccessStatusCode();
        var admin = (await token.Content.ReadFromJsonAsync<TokenResponse>())!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/devices")
        {
            Content = JsonContent.Create(new { name = "crash-sensor", fleet = "default" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin.Token);
        using var created = await client.SendAsync(request);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<CreatedDevice>())!.Key;
    }

    private static async Task PostUntilFailureAsync(Uri address, string key, int poster, ConcurrentBag<string> answered,
        CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            var sampleId = $"crash-{poster}-{n}";
            try
            {
                using var response = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload((poster * 61 + n) % 512, sampleId),
                    cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    answered.Add(sampleId);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // The server is gone: this request has no answer, so the device would retry it later.
                return;
            }
        }
    }
}
