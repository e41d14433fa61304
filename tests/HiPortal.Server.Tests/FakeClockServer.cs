using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Server.Inference;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Server.Tests;

/// <summary>
/// The real server with a <see cref="FakeTimeProvider"/> in place of the system clock (HostSetup registers
/// <see cref="TimeProvider"/> as a singleton, so this later registration wins), for presence and rate limits.
/// </summary>
/// <remarks>
/// The clock starts at the real time because ASP.NET's time-limited data protector checks admin tokens against the
/// real clock. The batcher waits on the same clock, so the queue delay is zero: a batch runs as soon as it has a
/// request instead of waiting for fake time that never passes. Background timers (presence flush, auto threshold)
/// run on it too, and never tick within the few minutes of fake time a test class moves.
/// </remarks>
public sealed class FakeClockServer : IAsyncLifetime
{
    private HiPortalApp _app = null!;
    private WebApplicationFactory<Program> _server = null!;
    private TestServer _testServer = null!;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public IServiceProvider Services => _server.Services;

    public string DatabasePath => _app.DatabasePath;

    public async Task InitializeAsync()
    {
        _app = new HiPortalApp(new Dictionary<string, string?>
        {
            ["Batching:MaxQueueDelay"] = "00:00:00",
            // Longer than all the fake time a test class moves, so last-seen times are written only when a test
            // calls PresenceFlusher.FlushAsync, never by a background tick racing it.
            ["Presence:FlushInterval"] = "00:10:00",
        });
        _server = _app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(Time)));
        _server.StartServer();
        // A factory derived from a Kestrel one runs on TestServer, and its CreateClient asks the parent (which never
        // started) for a client: make clients from the derived server itself.
        _testServer = (TestServer)Services.GetRequiredService<IServer>();
        await Services.GetRequiredService<ModelHost>().WhenReady.WaitAsync(TimeSpan.FromMinutes(2));
    }

    public async Task<HttpClient> CreateAdminClientAsync()
    {
        var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = HiPortalApp.AdminPassword });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<HiPortalApp.TokenBody>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.Token);
        return client;
    }

    public async Task<HiPortalApp.DeviceCredentials> CreateDeviceAsync(HttpClient admin, string name, string fleet)
    {
        await HiPortalApp.EnsureFleetAsync(admin, fleet);
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { name, fleet });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<HiPortalApp.DeviceCredentials>())!;
    }

    public HttpClient CreateDeviceClient(HiPortalApp.DeviceCredentials device)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", device.Key);
        return client;
    }

    public HttpClient CreateClient() => _testServer.CreateClient();

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            // Disposes the derived server too, then deletes the database directory.
            await _app.DisposeAsync();
        }
    }
}
