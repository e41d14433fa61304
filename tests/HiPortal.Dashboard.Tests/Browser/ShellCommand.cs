using System.Diagnostics;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>Runs a snippet as a user pastes it into a terminal: one <c>bash -c</c> process, its exit code and output.</summary>
public static class ShellCommand
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
