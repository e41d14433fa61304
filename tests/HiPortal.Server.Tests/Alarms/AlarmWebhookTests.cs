using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HiPortal.Server.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>The alarm webhook against real receivers on loopback: a flaky one, and a dead one that must not slow ingest.</summary>
public sealed class AlarmWebhookTests
{
    private const string Secret = "webhook secret for the test, never logged";

    [Fact]
    public async Task Webhook_ReceivesEachRaiseAndClearOnce_SignedWithHmac_RetryingAFailedCallWithTheSameEventId()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        await using var app = await HiPortalHost.StartAsync(Hosted(receiver.Url.ToString(), capacity: 100));
        var raiser = app.Services.GetRequiredService<IAlarmRaiser>();
        var scope = "rollout:" + Samples.Unique("hook");

        await raiser.RaiseAsync(AlarmKinds.RolloutGate, scope, "gate failed", 0.5);
        await raiser.RaiseAsync(AlarmKinds.RolloutGate, scope, "gate failed again", 0.4);
        await raiser.ClearAsync(AlarmKinds.RolloutGate, scope, "rolled back");
        var failed = await receiver.NextAsync();
        var retried = await receiver.NextAsync();
        var cleared = await receiver.NextAsync();

        Assert.Equal(500, failed.AnsweredWith);
        Assert.Equal(failed.EventId, retried.EventId);
        Assert.Equal(204, retried.AnsweredWith);
        Assert.NotEqual(retried.EventId, cleared.EventId);
        foreach (var call in new[] { failed, retried, cleared })
        {
            Assert.True(WebhookSignature.Verify(Secret, call.Timestamp, call.Signature, call.Body), "the HMAC-SHA256 signature verifies");
            Assert.False(WebhookSignature.Verify("another secret", call.Timestamp, call.Signature, call.Body));
        }

        using var raisedBody = JsonDocument.Parse(retried.Body);
        using var clearedBody = JsonDocument.Parse(cleared.Body);
        Assert.Equal("raised", raisedBody.RootElement.GetProperty("transition").GetString());
        Assert.Equal(scope, raisedBody.RootElement.GetProperty("scope").GetString());
        Assert.Equal("gate failed", raisedBody.RootElement.GetProperty("detail").GetString());
        Assert.Equal("cleared", clearedBody.RootElement.GetProperty("transition").GetString());
        // The receiver has the last call before the webhook has read its answer: await the count, do not race it.
        var webhook = app.Services.GetRequiredService<AlarmWebhook>();
        await webhook.WhenSentAsync(2).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, webhook.Sent);
    }

    [Fact]
    public async Task HangingWebhook_DropsEventsPastItsCapacity_WhileRaisesAndOffloadsCarryOn()
    {
        // Accepts connections and never answers: every call hangs until the (long) timeout.
        using var hanging = new TcpListener(IPAddress.Loopback, 0);
        hanging.Start();
        var accepted = new List<Socket>();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await hanging.AcceptSocketAsync());
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        });
        var url = $"http://127.0.0.1:{((IPEndPoint)hanging.LocalEndpoint).Port}/hook";
        await using var app = await HiPortalHost.StartAsync(Hosted(url, capacity: 2));
        var raiser = app.Services.GetRequiredService<IAlarmRaiser>();
        var webhook = app.Services.GetRequiredService<AlarmWebhook>();
        using var device = await app.CreateDeviceAsync();

        const int raises = 20;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < raises; i++)
        {
            await raiser.RaiseAsync(AlarmKinds.RolloutGate, $"rollout:dead-{i}", "gate failed");
            var answer = await device.OffloadAsync(i, $"dead-{i}");
            Assert.Equal($"dead-{i}", answer.SampleId);
        }

        clock.Stop();

        // One event in flight (hanging), at most the capacity waiting, every other one dropped at once.
        Assert.InRange(webhook.Dropped, raises - 1 - 2, raises - 2);
        Assert.Equal(0, webhook.Sent);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(55), $"20 raises and offloads took {clock.Elapsed} against a webhook that hangs for 60 s per call");
        hanging.Stop();
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }

        await acceptLoop;
    }

    private static HiPortalHostOptions Hosted(string url, int capacity) => AlarmHosts.Settings(new HiPortalHostOptions(), new Dictionary<string, string?>
    {
        ["Alarms:Webhook:Url"] = url,
        ["Alarms:Webhook:Secret"] = Secret,
        ["Alarms:Webhook:Capacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Alarms:Webhook:InitialBackoff"] = "00:00:00.001",
        ["Alarms:Webhook:Timeout"] = "00:01:00",
    });
}
