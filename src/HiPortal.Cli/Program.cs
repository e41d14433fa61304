using System.CommandLine;
using HiPortal.Cli.Evaluate;

var root = new RootCommand("hiportal: hierarchical inference tools (evaluate the tiny/large model pair offline)");
root.Subcommands.Add(EvaluateCommand.Create());
return await root.Parse(args).InvokeAsync();
