using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HiPortal.Server.Tests;

/// <summary>A device that got an answer can rely on it: the decision is in the database (the suite's provider) however the server stops.</summary>
public sealed class CrashTests
{
    private const int Posters = 8;
    private const int AnsweredBeforeStop = 40;

    [Fact]
    public async Task EveryAnsweredOffload_IsInTheDatabase_AfterTheServerIsKilled()
    {
        await using var database = new CrashDatabase();
        await using var server = await database.StartServerAsync();
        CreatedDevice device;
        using (var admin = server.CreateClient())
        {
            await admin.SignInAsync("admin", HiPortalHost.AdminPassword);
            device = await admin.RegisterDeviceAsync("crash-sensor", "default");
        }

        var answered = new ConcurrentBag<string>();
        var enoughAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posters = Enumerable.Range(0, Posters).Select(p => PostUntilRefusedAsync(new DeviceClient(server.Address, device), $"crash-{p}", p,
            id => Answered(answered, id, enoughAnswered))).ToArray();
        // Under load, pull the plug with requests in flight.
        await enoughAnswered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await server.KillAsync();
        await Task.WhenAll(posters).WaitAsync(TimeSpan.FromSeconds(60));

        var stored = await database.Database.SampleIdsAsync();
        var missing = answered.Where(id => !stored.Contains(id)).ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {answered.Count} answered offloads are not stored ({database.Provider}): {string.Join(", ", missing.Take(10))}");
        Assert.Equal(0L, await database.RepeatedDecisionsAsync());
    }

    [Fact]
    public async Task EveryAnsweredOffload_IsInTheDatabase_AfterAGracefulShutdownWithRequestsInFlight()
    {
        // Once armed, the gate holds every model execution until the host begins to stop: requests are then certainly
        // in flight (inside a running batch, and waiting in the queue behind it) when shutdown starts.
        var gate = new HeldBatches(armed: false);
        await using var app = await HiPortalHost.StartAsync(new() { Services = services => services.AddSingleton<IBatchGate>(gate) });
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(gate.Release);
        var device = await app.RegisterDeviceAsync();
        var answered = new ConcurrentBag<string>();
        var answeredAfterStop = 0;
        var stopping = false;
        var enoughAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var posters = Enumerable.Range(0, Posters).Select(p => PostUntilRefusedAsync(app.CreateDeviceClient(device), $"graceful-{p}", p, id =>
        {
            if (Volatile.Read(ref stopping))
            {
                Interlocked.Increment(ref answeredAfterStop);
            }

            Answered(answered, id, enoughAnswered);
        })).ToArray();

        await enoughAnswered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        gate.Arm();
        var held = await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        Volatile.Write(ref stopping, true);
        // Stop (not dispose) the host so its database stays to be read; in-flight requests are allowed to finish.
        await app.StopAsync();
        await Task.WhenAll(posters).WaitAsync(TimeSpan.FromSeconds(30));

        var stored = await app.Database.SampleIdsAsync();
        var missing = answered.Where(id => !stored.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {answered.Count} answered offloads are not stored: {string.Join(", ", missing.Take(10))}");
        // The held batch's samples were in flight when the host began to stop, and each was answered.
        Assert.True(answeredAfterStop >= held, $"{answeredAfterStop} answered after the stop began, fewer than the {held} held in the running batch");
    }

    private static void Answered(ConcurrentBag<string> answered, string sampleId, TaskCompletionSource enough)
    {
        answered.Add(sampleId);
        if (answered.Count >= AnsweredBeforeStop)
        {
            enough.TrySetResult();
        }
    }

    /// <summary>Posts offloads one after another until the server refuses one or is gone (a device would retry that one later).</summary>
    private static async Task PostUntilRefusedAsync(HiPortalClient client, string prefix, int poster, Action<string> answered)
    {
        using (client)
        {
            for (var n = 0; ; n++)
            {
                var sampleId = $"{prefix}-{n}";
                try
                {
                    using var response = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(((poster * 61) + n) % 512, sampleId));
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    return;
                }

                answered(sampleId);
            }
        }
    }
}
