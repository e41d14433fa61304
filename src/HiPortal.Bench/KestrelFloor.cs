using HiPortal.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HiPortal.Bench;

/// <summary>
/// The floor under any one-request-per-sample server on this machine: Kestrel with no middleware, no
/// authentication, no model and no database, one route that reads the request body and answers an
/// <see cref="OffloadResponse"/> of the usual size through the same source-generated JSON. The transports bench
/// drives it with the same client and body as the single-offload route, so the two rows' CPU per request, read in
/// one run, say how much of HiPortal's cost is HiPortal's and how much is one HTTP/1.1 request.
/// </summary>
public static class KestrelFloor
{
    public const string ServeVerb = "floor-internal";

    private const string ReadyLine = "floor listening on ";

    /// <summary>Runs in the child process until it is killed.</summary>
    public static async Task ServeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Nothing of HiPortal's: not the appsettings.json beside this executable (its Kestrel endpoints), not the
        // environment the server reads.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var probabilities = Enumerable.Range(0, 10).Select(i => i == 3 ? 0.91f : 0.01f).ToArray();
        app.MapPost(Routes.Offloads, async context =>
        {
            // Read the whole body, as the offload route does, then answer.
            while (true)
            {
                var read = await context.Request.BodyReader.ReadAsync(context.RequestAborted);
                context.Request.BodyReader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                    break;
            }

            var answer = new OffloadResponse(context.Request.Headers[WireHeaders.SampleId].ToString(), 3, 0.91f, probabilities,
                true, "floor", "1.0.0", 1, 0, 0, false, 1);
            await context.Response.WriteAsJsonAsync(answer, ContractsJson.Default.OffloadResponse, contentType: null, context.RequestAborted);
        });
        await app.StartAsync();
        Console.WriteLine(ReadyLine + app.Urls.First());
        await app.WaitForShutdownAsync();
    }

    /// <summary>The floor as a child process of this executable: its address and a way to read its CPU time.</summary>
    public sealed class Process : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process _process;

        private Process(System.Diagnostics.Process process, Uri address)
        {
            _process = process;
            Address = address;
        }

        public Uri Address { get; }

        public TimeSpan CpuTime
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        public static async Task<Process> StartAsync()
        {
            var command = BenchServer.SelfCommand(ServeVerb);
            command.RedirectStandardOutput = true;
            command.UseShellExecute = false;
            command.Environment["DOTNET_gcServer"] = BenchServer.ProductServerGc ? "1" : "0";
            var process = System.Diagnostics.Process.Start(command) ?? throw new InvalidOperationException("could not start the floor server");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(ReadyLine, StringComparison.Ordinal))
                {
                    return new Process(process, new Uri(line[ReadyLine.Length..]));
                }
            }

            await process.WaitForExitAsync(timeout.Token);
            throw new InvalidOperationException($"the floor server exited with {process.ExitCode} before listening");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
