using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace HiPortal.Client.Hosting;

/// <summary>
/// The real server as its own OS process over a fresh data directory (SQLite file, TLS certificate), listening on
/// loopback ports the OS picks: for the bench (which measures it from outside) and for tests that kill it as a power
/// cut would. It is ready when it says so: the log line the model host writes once the model is loaded and warm.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Action<string>? _onOutput;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _modelReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, string dataDirectory, Action<string>? onOutput)
    {
        _process = process;
        DataDirectory = dataDirectory;
        _onOutput = onOutput;
    }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "hiportal.db");

    /// <summary>The plain-HTTP address Kestrel said it listens on.</summary>
    public Uri Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("not listening yet");

    /// <summary>CPU time the server process has used so far (all its threads).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Everything the server wrote, for a failure message.</summary>
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

    /// <summary>
    /// Starts <paramref name="command"/> (the server's entry point) with <paramref name="settings"/> as environment
    /// configuration and waits until it listens and its model is ready.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(ProcessStartInfo command, string adminPassword,
        IReadOnlyDictionary<string, string>? settings = null, Action<string>? onOutput = null, TimeSpan? timeout = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "hiportal-server", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(directory);
        command.WorkingDirectory = directory;
        command.RedirectStandardOutput = true;
        command.RedirectStandardError = true;
        command.UseShellExecute = false;
        var environment = new Dictionary<string, string>
        {
            ["Data:Directory"] = directory,
            ["Admin:Password"] = adminPassword,
            ["Demo:Enabled"] = "false",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            ["Tls:Directory"] = Path.Combine(directory, "tls"),
            ["Logging:Console:FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        // The two lines readiness is read from, whatever level the caller chose for the rest.
        environment["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";
        environment["Logging:LogLevel:HiPortal.Server.Inference.ModelHost"] = "Information";
        foreach (var (key, value) in environment)
        {
            command.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = command, EnableRaisingEvents = true };
        var server = new ServerProcess(process, directory, onOutput);
        process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnOutput(e.Data);
        process.Exited += (_, _) =>
        {
            var exited = new InvalidOperationException($"the server exited with {process.ExitCode}:\n{server.Output}");
            server._listening.TrySetException(exited);
            server._modelReady.TrySetException(exited);
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {command.FileName}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Task.WhenAll(server._listening.Task, server._modelReady.Task).WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"the server did not become ready:\n{server.Output}");
        }

        return server;
    }

    /// <summary>How to run a framework-dependent server build: <c>dotnet HiPortal.Server.dll</c>.</summary>
    public static ProcessStartInfo Dotnet(string serverDll)
    {
        if (!File.Exists(serverDll) || !File.Exists(Path.ChangeExtension(serverDll, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException("the server build is missing", serverDll);
        }

        // The dotnet host running this process (the SDK exports it to child processes), else the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        return new ProcessStartInfo(host, [serverDll]);
    }

    public HiPortalClient CreateClient() => new(Address) { Timeout = TimeSpan.FromSeconds(30) };

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
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
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

        _onOutput?.Invoke(line);
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
        else if (ModelReadyLine().IsMatch(line))
        {
            _modelReady.TrySetResult();
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>ModelHost's "Model {name} {version} loaded on {provider} and warmed ...", written just before it reports ready.</summary>
    [GeneratedRegex(@"Model \S+ \S+ loaded on \S+ and warmed")]
    private static partial Regex ModelReadyLine();
}
