using System.CommandLine;
using System.Globalization;
using HiPortal.Cli.Common;
using HiPortal.Contracts;
using HiPortal.Core.Inference;
using Spectre.Console;

namespace HiPortal.Cli.Models;

/// <summary>
/// <c>hiportal models</c>: the server's model repository through the admin API (list, upload, delete, assign a
/// fleet's pair). A refused call prints the problem's field and detail and exits 3; bad arguments exit 2.
/// </summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var connection = new AdminConnection();
        var command = connection.AddTo(new Command("models", "List, upload, delete and assign models in a server's repository"));
        command.Subcommands.Add(List(connection));
        command.Subcommands.Add(Upload(connection));
        command.Subcommands.Add(Delete(connection));
        command.Subcommands.Add(Assign(connection));
        return command;
    }

    private static Command List(AdminConnection connection)
    {
        var list = new Command("list", "List registered model versions and where each is used");
        list.SetAction((parse, ct) => connection.RunAsync(parse, async client =>
        {
            var table = new Table().AddColumns("model", "datatype", "input", "classes", "parameters", "used by", "loaded");
            foreach (var m in await client.ListModelsAsync(ct))
            {
                table.AddRow(Markup.Escape($"{m.Name}@{m.Version}"), m.Datatype, Markup.Escape($"[{string.Join(",", m.InputShape)}]"),
                    m.ClassNames.Count.ToString(CultureInfo.InvariantCulture), m.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", m.UsedBy)), m.Loaded ? "yes" : "no");
            }

            AnsiConsole.Write(table);
        }));
        return list;
    }

    private static Command Upload(AdminConnection connection)
    {
        var directory = new Argument<string?>("DIR") { Description = "A version directory with model.onnx and card.json", Arity = ArgumentArity.ZeroOrOne };
        var onnx = new Option<string?>("--onnx") { Description = "The ONNX file (with --card)" };
        var card = new Option<string?>("--card") { Description = "The card JSON file (with --onnx)" };
        var upload = new Command("upload", "Register a model version: DIR, or --onnx F --card F") { directory, onnx, card };
        upload.Validators.Add(r =>
        {
            var (dir, o, c) = (r.GetValue(directory), r.GetValue(onnx), r.GetValue(card));
            if (dir is null == (o is null && c is null) || (dir is null && (o is null || c is null)))
                r.AddError("give either DIR or both --onnx F and --card F");
        });
        upload.SetAction((parse, ct) =>
        {
            var dir = parse.GetValue(directory);
            var files = UploadFiles.From(dir, parse.GetValue(onnx), parse.GetValue(card));
            return connection.RunAsync(parse, async client =>
            {
                var registered = await client.RegisterModelAsync(await File.ReadAllBytesAsync(files.Onnx, ct), await File.ReadAllTextAsync(files.Card, ct), ct);
                AnsiConsole.MarkupLineInterpolated($"registered [bold]{registered.Name}@{registered.Version}[/] ({registered.Datatype} [[{string.Join(",", registered.InputShape)}]], {registered.ClassNames.Count} classes, sha256 {registered.Sha256})");
            }, files.Problem);
        });
        return upload;
    }

    private static Command Delete(AdminConnection connection)
    {
        var model = new Argument<string>("MODEL") { Description = "name@version" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)" };
        var delete = new Command("delete", "Delete a model version no fleet uses") { model, reason };
        model.Validators.Add(r => { if (Exact(r.GetValueOrDefault<string>()) is null) { r.AddError("MODEL must be name@version"); } });
        delete.SetAction((parse, ct) => connection.RunAsync(parse, async client =>
        {
            var reference = Exact(parse.GetValue(model))!.Value;
            await client.DeleteModelAsync(reference.Name, reference.Version!, parse.GetValue(reason), ct);
            AnsiConsole.MarkupLineInterpolated($"deleted [bold]{reference}[/]");
        }));
        return delete;
    }

    private static Command Assign(AdminConnection connection)
    {
        var fleet = new Option<string>("--fleet") { Description = "The fleet", Required = true };
        var tiny = new Option<string?>("--tiny") { Description = "What its devices run: name@version" };
        var large = new Option<string?>("--large") { Description = "What answers their offloads: name@version" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)" };
        var assign = new Command("assign", "Name a fleet's tiny and/or large model (a large switch is hot; rolling back is the same call)")
        {
            fleet, tiny, large, reason,
        };
        foreach (var option in new[] { tiny, large })
            option.Validators.Add(r => { if (r.GetValueOrDefault<string?>() is { } v && Exact(v) is null) { r.AddError($"{r.Option.Name} must be name@version"); } });
        assign.Validators.Add(r => { if (r.GetValue(tiny) is null && r.GetValue(large) is null) { r.AddError("give --tiny, --large or both"); } });
        assign.SetAction((parse, ct) => connection.RunAsync(parse, async client =>
        {
            var pair = await client.SetFleetModelsAsync(parse.GetValue(fleet)!,
                new FleetModelsRequest(parse.GetValue(tiny), parse.GetValue(large), parse.GetValue(reason)), ct);
            AnsiConsole.MarkupLineInterpolated($"fleet [bold]{parse.GetValue(fleet)}[/]: tiny {pair.Tiny}, large {pair.Large}");
        }));
        return assign;
    }

    /// <summary>name@version with the version given: deletes and assignments name one exact version.</summary>
    internal static ModelReference? Exact(string? text) =>
        ModelReference.TryParse(text, out var reference) && reference.Version is not null ? reference : null;
}
