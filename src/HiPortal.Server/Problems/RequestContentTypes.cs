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

    /// <summary>
    /// JSON bodies are UTF-8 (RFC 8259 §8.1), on every route: a <c>charset</c> other than utf-8 is a 415 naming
    /// Content-Type before any handler runs. The routes that read their bodies themselves (offloads, telemetry, Open
    /// Inference) would otherwise read a UTF-16 body as UTF-8, and the framework's binder threw on UTF-7 (a 500).
    /// </summary>
    public static IApplicationBuilder UseUtf8JsonBodies(this IApplicationBuilder app)
    {
        var problems = app.ApplicationServices.GetRequiredService<IProblemDetailsService>();
        return app.Use(async (context, next) =>
        {
            if (OtherCharset(context.Request.ContentType) is not { } charset)
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = ProblemResults.Details(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.", "Content-Type",
                    $"charset '{charset}': JSON bodies are UTF-8; send charset=utf-8 or no charset"),
            });
        });
    }

    /// <summary>The charset of a JSON Content-Type when it is not UTF-8; null for anything else.</summary>
    internal static string? OtherCharset(string? contentType)
    {
        if (contentType is null || !contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
            || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
            || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || !type.Charset.HasValue)
        {
            return null;
        }

        var charset = type.Charset.Value!.Trim('"');
        return charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            ? null : charset;
    }

    /// <summary>Names the header in a 415 (routing's rejection writes no body of its own).</summary>
    internal static void Describe(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Extensions.ContainsKey("errors"))
        {
            return;
        }

        if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's limit, met while a binder read the body: the binder sets 413 and writes nothing.
            var limit = context.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            Name(context.ProblemDetails, ProblemResults.Details(StatusCodes.Status413PayloadTooLarge, "The request body is too large.", "body",
                limit is { } bytes ? $"at most {bytes} bytes on this route" : "larger than this route takes"));
            return;
        }

        if (context.ProblemDetails.Status != StatusCodes.Status415UnsupportedMediaType)
        {
            return;
        }

        var detail = $"'{context.HttpContext.Request.ContentType}' is not a body type this route takes: send application/json " +
            "(offloads also take application/octet-stream); the OpenAPI document (/openapi/v1.json) lists each route's";
        Name(context.ProblemDetails, ProblemResults.Details(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.", "Content-Type", detail));
    }

    private static void Name(Microsoft.AspNetCore.Mvc.ProblemDetails target, Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        target.Title = problem.Title;
        target.Detail = problem.Detail;
        target.Type = problem.Type;
        target.Extensions["errors"] = problem.Extensions["errors"];
    }
}
