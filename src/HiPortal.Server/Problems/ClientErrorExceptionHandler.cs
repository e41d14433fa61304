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
        var (status, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            System.Text.Json.JsonException json => (StatusCodes.Status400BadRequest, $"malformed JSON at {json.Path}: {json.Message}"),
            _ => (0, ""),
        };
        if (status == 0 || context.Response.HasStarted)
        {
            return false;
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = "The request could not be read.", Detail = detail },
            Exception = exception,
        });
    }
}
