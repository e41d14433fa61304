using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HiPortal.Testing;

/// <summary>
/// nginx in front of several instances, configured as the README's production layout: <c>/hubs</c> and
/// <c>/_blazor</c> sticky (ip_hash), the rest round-robin, WebSockets upgraded. Each response names the instance that
/// answered in <see cref="UpstreamHeader"/> (test only). Its files live in a folder of its own; stopped on dispose.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    public const string UpstreamHeader = "X-Upstream";

    private readonly TempDirectory _folder;
    private readonly Process _process;

    private NginxProxy(TempDirectory folder, Process process, int port)
    {
        _folder = folder;
        _process = process;
        Address = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri Address { get; }

    public static async Task<NginxProxy> StartAsync(params Uri[] instances)
    {
        var binary = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: run scripts/install-prereqs.sh (it installs nginx-light with apt).");
        var folder = new TempDirectory();
        var port = FreePort();
        var servers = string.Concat(instances.Select(i => $" server {i.Host}:{i.Port};"));
        var temp = Path.Combine(folder.Path, "temp");
        Directory.CreateDirectory(temp);
        if (!OperatingSystem.IsWindows())
        {
            // Workers may run as another user than the master: the temp folder must be theirs to write.
            File.SetUnixFileMode(temp, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101);
        }
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "nginx.conf"), $$"""
            worker_processes 1;
            pid {{folder.Path}}/nginx.pid;
            error_log {{folder.Path}}/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                upstream hiportal        {{{servers}} }
                upstream hiportal_sticky { ip_hash;{{servers}} }
                map $http_upgrade $connection_upgrade { default upgrade; '' close; }
                server {
                    listen 127.0.0.1:{{port}};
                    client_max_body_size 64m;
                    add_header {{UpstreamHeader}} $upstream_addr always;
                    location ~ ^/(hubs|_blazor)/ {
                        proxy_pass http://hiportal_sticky;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_set_header Host $host;
                        proxy_read_timeout 120s;
                    }
                    location / {
                        proxy_pass http://hiportal;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_read_timeout 75s;
                    }
                }
            }
            """);
        var process = Process.Start(new ProcessStartInfo(binary)
        {
            ArgumentList = { "-p", folder.Path, "-c", Path.Combine(folder.Path, "nginx.conf"), "-g", "daemon off;" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var proxy = new NginxProxy(folder, process, port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await ListensAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = Path.Combine(folder.Path, "error.log");
                await proxy.DisposeAsync();
                throw new InvalidOperationException("nginx did not start: " + (File.Exists(log) ? await File.ReadAllTextAsync(log) : "no log"));
            }

            await Task.Delay(20);
        }

        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _folder.Dispose();
    }

    private static async Task<bool> ListensAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
