using System.Text.RegularExpressions;
using HiPortal.Server.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;

namespace HiPortal.Server.Problems;

/// <summary>
/// Turns what Kestrel and the binders reject (oversized bodies, unreadable JSON, unparsable query values, bad headers)
/// into a 4xx problem that names the field, and a spent server-wide resource into 503 with Retry-After, instead of a
/// 500: nothing a client can send should look like a server fault. Binders throw in every environment (see
/// <see cref="ProblemsExtensions"/>), so this runs in Production too.
/// </summary>
public sealed partial class ClientErrorExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }

        var problem = exception switch
        {
            ServerBusyException busy => Busy(context, busy),
            _ when Json(exception) is { } json => ProblemResults.Details(StatusCodes.Status400BadRequest,
                "The request could not be read.", FieldFromPath(json.Path), $"malformed JSON: {json.Message}"),
            BadHttpRequestException bad => ProblemResults.Details(bad.StatusCode, "The request could not be read.", FieldOf(bad), bad.Message),
            // The form reader's limits (too many fields, a key or value too long, a malformed multipart boundary).
            InvalidDataException form when context.Request.HasFormContentType => ProblemResults.Details(StatusCodes.Status400BadRequest,
                "The request could not be read.", "form", form.Message),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Busy(HttpContext context, ServerBusyException busy)
    {
        context.Response.Headers.RetryAfter = "1";
        return ProblemResults.Details(StatusCodes.Status503ServiceUnavailable, "The server is busy; retry later.", null, busy.Message);
    }

    private static System.Text.Json.JsonException? Json(Exception exception) =>
        exception as System.Text.Json.JsonException ?? exception.InnerException as System.Text.Json.JsonException;

    /// <summary>The binder's messages name the parameter: <c>Failed to bind parameter "int take" from "abc".</c></summary>
    private static string FieldOf(BadHttpRequestException bad) =>
        ParameterName().Match(bad.Message) is { Success: true } match ? match.Groups[1].Value : "body";

    public static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    [GeneratedRegex("""parameter "(?:[^" ]+ )?([^"]+)"[^"]*""")]
    private static partial Regex ParameterName();
}
