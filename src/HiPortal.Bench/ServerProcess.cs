using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace HiPortal.Bench;

/// <summary>The real server, started as its own process on a loopback port with a fresh SQLite file.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string ServeVerb = "serve-internal";
    public const string Password = "bench-admin-password";
    private readonly Process _process;
    private readonly string _directory;

    private ServerProcess(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>CPU time the server process has used so far (all its threads).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "hiportal-bench", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var self = Environment.ProcessPath!;
        var info = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new ProcessStartInfo(self, [typeof(ServerProcess).Assembly.Location, ServeVerb])
            : new ProcessStartInfo(self, [ServeVerb]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["Database__Path"] = Path.Combine(directory, "bench.db");
        info.Environment["Admin__Password"] = Password;
        info.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{port}";
        info.Environment["Kestrel__Endpoints__Https__Url"] = "https://127.0.0.1:0";
        info.Environment["Tls__Directory"] = Path.Combine(directory, "tls");
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[server] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, directory, new Uri($"http://127.0.0.1:{port}"));
        using var client = new HttpClient { BaseAddress = server.Address };
        for (var i = 0; i < 600; i++)
        {
            try
            {
                using var ready = await client.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    await server.LiftRateLimitAsync(client);
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {process.ExitCode}");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not become ready");
    }

    /// <summary>The bench measures the server, not the per-device limiter: give the fleet a limit it never reaches.</summary>
    private async Task LiftRateLimitAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(Address, "/api/v1/admin/fleets/default/settings"))
        {
            Content = JsonContent.Create(new { rateLimitPerSecond = 100_000, rateLimitBurst = 1_000_000, reason = "benchmark" }),
        };
        request.Headers.Authorization = new("Bearer", await AdminTokenAsync(client));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> AdminTokenAsync(HttpClient client)
    {
        using var tokenResponse = await client.PostAsJsonAsync(new Uri(Address, "/api/v1/auth/token"), new { username = "admin", password = Password });
        return (await tokenResponse.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<TokenBody>())!.Token;
    }

    public async Task<string> CreateDeviceKeyAsync(HttpClient client, string name, string fleet = "default", string? token = null)
    {
        token ??= await AdminTokenAsync(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Address, "/api/v1/admin/devices"))
        {
            Content = JsonContent.Create(new { name, fleet }),
        };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await client.SendAsync(request);
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<DeviceBody>())!.Key;
    }

    public async Task<string> MetricsAsync(HttpClient client) => await client.GetStringAsync(new Uri(Address, "/metrics"));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record TokenBody(string Token);

    private sealed record DeviceBody(string Key);
}
