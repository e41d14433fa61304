using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HiPortal.Server.OpenApi;

/// <summary>
/// The inference answer's shape for the Open Inference Protocol routes, whose handlers write it themselves
/// (see <see cref="OipInferResponse"/>).
/// </summary>
internal sealed class OpenInferenceResponses : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var path = context.Description.RelativePath ?? "";
        if (!path.StartsWith("v2/", StringComparison.Ordinal) || !path.EndsWith("/infer", StringComparison.Ordinal))
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(typeof(OipInferResponse), cancellationToken: cancellationToken);
        operation.Responses ??= [];
        operation.Responses["200"] = new OpenApiResponse
        {
            Description = "The large model's logits and probabilities, one row per input sample.",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };
    }
}
