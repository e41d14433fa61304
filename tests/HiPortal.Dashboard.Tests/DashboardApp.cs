using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HiPortal.Dashboard.Tests;

/// <summary>
/// The real server (as <c>HiPortal.Server.Tests.HiPortalApp</c> runs it) on a loopback Kestrel port with its own
/// SQLite file, and a live stream fast enough for tests. Browsers and hub clients reach it at <see cref="BaseAddress"/>.
/// </summary>
public sealed class DashboardApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "test-admin-password";
    public const string OperatorPassword = "test-operator-password";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hiportal-dashboard-tests", Guid.NewGuid().ToString("n"));

    public DashboardApp()
    {
        Directory.CreateDirectory(_directory);
        UseKestrel(0);
    }

    public string DatabasePath => Path.Combine(_directory, "hiportal.db");

    /// <summary>The plain-HTTP address Kestrel listens on (http://127.0.0.1:port).</summary>
    public Uri BaseAddress { get; private set; } = null!;

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
        // Five snapshots a second: a test sees its data on the stream within a fraction of a second.
        builder.UseSetting("Live:Interval", "00:00:00.200");
    }

    /// <summary>Starts the server and waits until the model is loaded and warm.</summary>
    public async Task StartAsync()
    {
        StartServer();
        using var client = CreateClient();
        BaseAddress = client.BaseAddress!;
        for (var i = 0; i < 300; i++)
        {
            using var ready = await client.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the server did not become ready");
    }

    public async Task<string> TokenAsync(string username, string password)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenBody>())!.Token;
    }

    public HttpClient CreateClient(string bearer)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public async Task<HttpClient> CreateAdminClientAsync() => CreateClient(await TokenAsync("admin", AdminPassword));

    public async Task CreateOperatorAsync(string username)
    {
        using var admin = await CreateAdminClientAsync();
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = OperatorPassword, role = "Operator" });
        response.EnsureSuccessStatusCode();
    }

    public async Task<DeviceCredentials> CreateDeviceAsync(string name, string fleet)
    {
        using var admin = await CreateAdminClientAsync();
        using (var created = await admin.PostAsJsonAsync("/api/v1/admin/fleets", new { name = fleet }))
        {
            if (created.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                created.EnsureSuccessStatusCode();
            }
        }

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { name, fleet });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DeviceCredentials>())!;
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
