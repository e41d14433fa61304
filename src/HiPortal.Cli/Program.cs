using System.CommandLine;
using HiPortal.Cli.Evaluate;

if (Console.IsOutputRedirected)
{
    // Piped into a file or CI log: do not squeeze the tables into 80 columns.
    Spectre.Console.AnsiConsole.Profile.Width = 160;
}

var root = new RootCommand("hiportal: hierarchical inference tools (evaluate the tiny/large model pair offline)");
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(HiPortal.Cli.Simulate.SimulateCommand.Create());
root.Subcommands.Add(HiPortal.Cli.Models.ModelsCommand.Create());
root.Subcommands.Add(HiPortal.Cli.Decisions.DecisionsCommand.Create());
return await root.Parse(args).InvokeAsync();
