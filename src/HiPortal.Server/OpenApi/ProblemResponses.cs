using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HiPortal.Server.OpenApi;

/// <summary>
/// The error answers every route shares, as problem bodies: the handlers return them as <c>ProblemHttpResult</c>, which
/// carries no status for the generator, and the cross-cutting ones (401, 403, 415, 429) come from the pipeline.
/// </summary>
internal sealed class ProblemResponses : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var authorized = !metadata.OfType<IAllowAnonymous>().Any() && metadata.OfType<IAuthorizeData>().Any();
        var openInference = description.RelativePath?.StartsWith("v2/", StringComparison.Ordinal) == true;
        operation.Responses ??= [];
        if (description.ParameterDescriptions.Count > 0 || operation.RequestBody is not null)
        {
            Add(operation, context, "400", "The request is invalid; `errors` names the field.", openInference);
        }

        if (authorized)
        {
            Add(operation, context, "401", "No credential, or one the server does not accept (unknown, revoked, expired).");
            Add(operation, context, "403", "The credential's role may not call this route.");
            Add(operation, context, "429", "The caller's rate limit is spent; retry after `Retry-After` seconds.");
        }

        if (description.RelativePath?.Contains('{', StringComparison.Ordinal) == true)
        {
            Add(operation, context, "404", "What the path names does not exist.", openInference);
        }

        if (operation.RequestBody is not null)
        {
            Add(operation, context, "415", "The body's Content-Type is not one this route takes (see its request body).");
        }

        operation.Responses.TryAdd("default", Response(context, "Any other error, as a problem body.", openInference));
        return Task.CompletedTask;
    }

    private static void Add(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string text,
        bool openInference = false) =>
        operation.Responses!.TryAdd(status, Response(context, text, openInference));

    private static OpenApiResponse Response(OpenApiOperationTransformerContext context, string text, bool openInference) => new()
    {
        Description = text,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            [openInference ? "application/json" : "application/problem+json"] = new()
            {
                Schema = new OpenApiSchemaReference(openInference ? DocumentInfo.OipError : DocumentInfo.Problem, context.Document),
            },
        },
    };
}
