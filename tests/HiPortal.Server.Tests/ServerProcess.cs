using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace HiPortal.Server.Tests;

/// <summary>
/// The server as its own OS process (<c>dotnet HiPortal.Server.dll</c>, the build copied beside the tests), so a
/// test can kill it the way a power cut or OOM killer would. It listens on a port the OS picks.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "hiportal.db");

    public Uri? Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : null;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServerProcess Start(string adminPassword)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HiPortal.Server.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), "HiPortal.Server.runtimeconfig.json is missing");
        var directory = Path.Combine(Path.GetTempPath(), "hiportal-tests", Guid.NewGuid().ToString("n"));
        System.IO.Directory.CreateDirectory(directory);

        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.Environment["Database__Path"] = Path.Combine(directory, "hiportal.db");
        info.Environment["Admin__Password"] = adminPassword;
        // Every endpoint on a port the OS picks (as HiPortalApp does), so runs never collide on a fixed port.
        info.Environment["Kestrel__Endpoints__Http__Url"] = "http://127.0.0.1:0";
        info.Environment["Kestrel__Endpoints__Https__Url"] = "https://127.0.0.1:0";
        info.Environment["Tls__Directory"] = Path.Combine(directory, "tls");
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        info.Environment["Logging__Console__FormatterName"] = "simple";

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, directory);
        process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnOutput(e.Data);
        process.Exited += (_, _) => server._listening.TrySetException(
            new InvalidOperationException($"the server exited with {process.ExitCode}:\n{server.Output}"));
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until Kestrel says where it listens, then until the model is loaded (/health/ready).</summary>
    public async Task<HttpClient> WaitUntilReadyAsync()
    {
        var address = await _listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            // Readiness has no push signal: poll it the way a load balancer would.
            using (var ready = await client.GetAsync("/health/ready"))
            {
                if (ready.IsSuccessStatusCode)
                {
                    return client;
                }
            }

            Assert.True(DateTime.UtcNow < giveUp, $"the server did not become ready:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await KillAsync();
            }
        }
        finally
        {
            _process.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>The dotnet host running these tests (the SDK exports it to child processes), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
