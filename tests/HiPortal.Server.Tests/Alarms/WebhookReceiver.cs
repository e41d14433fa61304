using System.Net;
using System.Threading.Channels;
using HiPortal.Server.Alarms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>One webhook call as the receiver saw it.</summary>
public sealed record WebhookCall(string? EventId, string? Timestamp, string? Signature, byte[] Body, int AnsweredWith);

/// <summary>
/// A real webhook receiver: Kestrel on loopback. It answers the first <c>failFirst</c> calls with 500 (so the sender
/// has to retry) and every later one with 204, and hands each call to the test as it arrives.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<WebhookCall> _calls = Channel.CreateUnbounded<WebhookCall>();
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app, int failFirst)
    {
        _app = app;
        _failuresLeft = failFirst;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = Interlocked.Decrement(ref _failuresLeft) >= 0 ? StatusCodes.Status500InternalServerError : StatusCodes.Status204NoContent;
            var headers = context.Request.Headers;
            await _calls.Writer.WriteAsync(new WebhookCall(headers[WebhookSignature.EventIdHeader], headers[WebhookSignature.TimestampHeader],
                headers[WebhookSignature.SignatureHeader], body.ToArray(), status));
            return Results.StatusCode(status);
        });
    }

    public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/hook");

    public static async Task<WebhookReceiver> StartAsync(int failFirst)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Only this listener: the appsettings.json beside the tests names the server's own endpoints.
            k.Configure(new ConfigurationBuilder().Build());
            k.Listen(IPAddress.Loopback, 0);
        });
        var receiver = new WebhookReceiver(builder.Build(), failFirst);
        await receiver._app.StartAsync();
        return receiver;
    }

    /// <summary>The next call, or a failure after a generous bound (the sender retries after 1 ms here).</summary>
    public async Task<WebhookCall> NextAsync() => await _calls.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
