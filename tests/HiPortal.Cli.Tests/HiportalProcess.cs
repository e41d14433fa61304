using System.Text.RegularExpressions;
using HiPortal.Cli.Evaluate;
using Spectre.Console;

namespace HiPortal.Cli.Tests;

/// <summary>
/// Runs the <c>hiportal</c> program in-process through its real entry point (Program.cs), capturing what it
/// writes. Console and AnsiConsole are process-wide, so callers must not run in parallel with each other.
/// </summary>
internal static partial class HiportalProcess
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var captured = new StringWriter();
        var writer = TextWriter.Synchronized(captured);
        var (previousOut, previousError, previousConsole) = (Console.Out, Console.Error, AnsiConsole.Console);
        Console.SetOut(writer);
        Console.SetError(writer);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        try
        {
            var entryPoint = typeof(EvaluateCommand).Assembly.EntryPoint
                ?? throw new InvalidOperationException("hiportal has no entry point");
            var exitCode = entryPoint.Invoke(null, [args]) switch
            {
                int code => code,
                Task<int> task => task.GetAwaiter().GetResult(),
                var other => throw new InvalidOperationException($"unexpected entry point result {other}"),
            };
            // Spectre wraps long lines at the console width; compare text with whitespace runs collapsed.
            return (exitCode, Whitespace().Replace(captured.ToString(), " "));
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            AnsiConsole.Console = previousConsole;
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
