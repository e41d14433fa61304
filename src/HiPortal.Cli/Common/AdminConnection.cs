using System.CommandLine;
using HiPortal.Client;
using HiPortal.DeviceSdk.Transport;
using Spectre.Console;

namespace HiPortal.Cli.Common;

/// <summary>
/// The options every admin command shares (<c>--server</c>, <c>--admin-user</c>, <c>--admin-password</c> or
/// <c>$HIPORTAL_ADMIN_PASSWORD</c>, <c>--insecure</c>, <c>--cert-sha256</c>) and the signed-in call: a refused call
/// prints the problem's field and detail and exits 3; bad arguments and unreachable servers exit 2.
/// </summary>
public sealed class AdminConnection
{
    public const string PasswordVariable = "HIPORTAL_ADMIN_PASSWORD";

    private readonly Option<string> _server = new("--server") { Description = "HiPortal server URL, e.g. https://localhost:5443", Required = true, Recursive = true };
    private readonly Option<string> _user = new("--admin-user") { Description = "Admin user", DefaultValueFactory = _ => "admin", Recursive = true };
    private readonly Option<string?> _password = new("--admin-password") { Description = $"Admin password (default: ${PasswordVariable})", Recursive = true };
    private readonly Option<bool> _insecure = new("--insecure") { Description = "Accept any server certificate (test rigs only)", Recursive = true };
    private readonly Option<string?> _pin = new("--cert-sha256") { Description = "Pin the server's self-signed certificate by its SHA-256", Recursive = true };

    public AdminConnection()
    {
        _server.Validators.Add(r =>
        {
            if (!Uri.TryCreate(r.GetValueOrDefault<string>(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                r.AddError("--server must be an absolute http(s) URL");
        });
    }

    /// <summary>Adds the connection options to <paramref name="command"/> (recursive: its subcommands take them too).</summary>
    public Command AddTo(Command command)
    {
        foreach (var option in new Option[] { _server, _user, _password, _insecure, _pin })
            command.Options.Add(option);
        return command;
    }

    /// <summary>
    /// Signs in and runs <paramref name="call"/>. Messages go to <paramref name="messages"/> (default: the console), so
    /// a command that writes data to standard output keeps its errors out of it.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<HiPortalClient, Task> call, string? localProblem = null, IAnsiConsole? messages = null)
    {
        var console = messages ?? AnsiConsole.Console;
        if (localProblem is not null)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {localProblem}");
            return 2;
        }

        var password = parse.GetValue(_password) ?? Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            console.MarkupLineInterpolated($"[red]error:[/] give --admin-password or set {PasswordVariable}");
            return 2;
        }

        var address = new Uri(parse.GetValue(_server)!);
        using var handler = ServerCertificates.CreateHandler(parse.GetValue(_pin), parse.GetValue(_insecure), TimeSpan.FromSeconds(30));
        using var client = new HiPortalClient(address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/"), handler, disposeHandler: false);
        try
        {
            await client.SignInAsync(parse.GetValue(_user)!, password);
            await call(client);
            return 0;
        }
        catch (HiPortalApiException ex)
        {
            var problem = ex.Problem;
            var field = problem?.Field is { } f ? $" [bold]{Markup.Escape(f)}[/]:" : "";
            console.MarkupLine($"[red]refused ({(int)ex.Status}):[/]{field} {Markup.Escape(problem?.Detail ?? problem?.Title ?? ex.Body)}");
            return 3;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return 2;
        }
    }
}
