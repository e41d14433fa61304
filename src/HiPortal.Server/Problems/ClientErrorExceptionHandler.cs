using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace HiPortal.Server.Problems;

/// <summary>
/// Turns what Kestrel and the binders reject (oversized bodies, unreadable JSON, bad headers) into a 4xx problem
/// instead of a 500: nothing a client can send should look like a server fault.
/// </summary>
public sealed class ClientErrorExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // A body the JSON binder could not read names the field it stopped at (JsonException.Path).
        var json = exception as System.Text.Json.JsonException ?? exception.InnerException as System.Text.Json.JsonException;
        var (status, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, "malformed JSON"),
            _ => (0, ""),
        };
        var field = json?.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : json is null ? null : "body";
        if (status == 0 || context.Response.HasStarted)
        {
            return false;
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = field is null
                ? new ProblemDetails { Status = status, Title = "The request could not be read.", Detail = detail }
                : ProblemResults.Details(status, "The request could not be read.", field, json!.Message),
            Exception = exception,
        });
    }
}
