using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HiPortal.Server.Tests;

/// <summary>
/// The real server on a loopback Kestrel port with its own SQLite file: real HTTP, real migrations, real model.
/// Settings can be overridden per test (e.g. a tiny queue) through <see cref="Settings"/>.
/// </summary>
public sealed class HiPortalApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "test-admin-password";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hiportal-tests", Guid.NewGuid().ToString("n"));

    public HiPortalApp(IReadOnlyDictionary<string, string?>? settings = null)
    {
        Settings = settings ?? new Dictionary<string, string?>();
        Directory.CreateDirectory(_directory);
        UseKestrel(0);
    }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public string DatabasePath => Path.Combine(_directory, "hiportal.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseSetting("Database:Path", DatabasePath);
        // The in-process demo fleet would post into every test server (WebApplicationFactory runs as Development).
        builder.UseSetting("Demo:Enabled", "false");
        builder.UseSetting("Admin:Password", AdminPassword);
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0");
        builder.UseSetting("Tls:Directory", Path.Combine(_directory, "tls"));
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Starts the server and waits until the model is loaded and warm.</summary>
    public async Task<HttpClient> StartAsync()
    {
        StartServer();
        var client = CreateClient();
        for (var i = 0; i < 300; i++)
        {
            using var ready = await client.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
            {
                return client;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the server did not become ready");
    }

    public async Task<HttpClient> CreateAdminClientAsync()
    {
        var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = AdminPassword });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenBody>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.Token);
        return client;
    }

    public async Task<DeviceCredentials> CreateDeviceAsync(string name = "sensor", string fleet = "lab")
    {
        using var admin = await CreateAdminClientAsync();
        await EnsureFleetAsync(admin, fleet);
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { name, fleet });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DeviceCredentials>())!;
    }

    /// <summary>Creates the fleet unless it exists (409 is fine: another test made it).</summary>
    public static async Task EnsureFleetAsync(HttpClient admin, string fleet)
    {
        if (fleet == "default")
        {
            return;
        }

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/fleets", new { name = fleet });
        if (response.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            response.EnsureSuccessStatusCode();
        }
    }

    public HttpClient CreateDeviceClient(DeviceCredentials device)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", device.Key);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalising connection: the OS temp cleaner gets it.
        }
    }

    public sealed record TokenBody(string Token, DateTimeOffset ExpiresAt);

    public sealed record DeviceCredentials(string DeviceId, string Name, string Fleet, string Key);
}
