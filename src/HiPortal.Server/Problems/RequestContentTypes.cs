using Microsoft.AspNetCore.Http.Metadata;

namespace HiPortal.Server.Problems;

/// <summary>
/// A body of a content type its route does not take is answered 415 with a problem body, before any handler parses
/// it. What a route takes is the framework's own <see cref="IAcceptsMetadata"/>: inferred for a typed JSON body
/// parameter, and declared with <c>.Accepts&lt;T&gt;(...)</c> (or <see cref="AcceptsBodies{TBody}"/> on a group) by a
/// route that reads its body itself, as the offload, telemetry and inference routes do. Routing enforces it, and the
/// OpenAPI document lists it, so the two cannot disagree. A request with no Content-Type passes (an empty body).
/// </summary>
public static class RequestContentTypes
{
    private static readonly string[] s_bodyMethods = [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch];

    /// <summary>Every POST, PUT or PATCH in the group takes a <typeparamref name="TBody"/> in one of <paramref name="contentTypes"/>.</summary>
    public static RouteGroupBuilder AcceptsBodies<TBody>(this RouteGroupBuilder builder, params string[] contentTypes)
    {
        ((IEndpointConventionBuilder)builder).Add(endpoint =>
        {
            var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods;
            if (methods is not null && methods.Any(m => s_bodyMethods.Contains(m, StringComparer.OrdinalIgnoreCase)))
            {
                endpoint.Metadata.Add(new AcceptsMetadata(contentTypes, typeof(TBody)));
            }
        });
        return builder;
    }

    /// <summary>Names the header in a 415 (routing's rejection writes no body of its own).</summary>
    internal static void Describe(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status != StatusCodes.Status415UnsupportedMediaType || context.ProblemDetails.Extensions.ContainsKey("errors"))
        {
            return;
        }

        var detail = $"'{context.HttpContext.Request.ContentType}' is not a body type this route takes: send application/json " +
            "(offloads also take application/octet-stream); the OpenAPI document (/openapi/v1.json) lists each route's";
        var problem = ProblemResults.Details(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.", "Content-Type", detail);
        context.ProblemDetails.Title = problem.Title;
        context.ProblemDetails.Detail = problem.Detail;
        context.ProblemDetails.Type = problem.Type;
        context.ProblemDetails.Extensions["errors"] = problem.Extensions["errors"];
    }
}
