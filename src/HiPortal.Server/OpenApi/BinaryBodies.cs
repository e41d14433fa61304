using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HiPortal.Server.OpenApi;

/// <summary>An <c>application/octet-stream</c> body is raw bytes, whatever JSON type the route also accepts.</summary>
internal sealed class BinaryBodies : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.RequestBody?.Content?.TryGetValue(System.Net.Mime.MediaTypeNames.Application.Octet, out var binary) == true
            && binary is OpenApiMediaType media)
        {
            media.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        }

        return Task.CompletedTask;
    }
}
