using HiPortal.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HiPortal.Server.OpenApi;

/// <summary>
/// Which credential each route takes, read from the same authorization policies that guard it, so the document cannot
/// say something the server does not do. OpenAPI 3.1 lets a bearer requirement list roles; the roles are listed.
/// </summary>
internal sealed class SecurityRequirements : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
        if (policies.Count == 0)
        {
            return Task.CompletedTask;
        }

        // Nested groups each add a policy; the innermost (the last) is the narrowest.
        var requirements = policies[^1] switch
        {
            Policies.Admin => [Requirement(DocumentInfo.UserToken, context, Roles.Admin)],
            Policies.Reader => [Requirement(DocumentInfo.UserToken, context, Roles.Admin, Roles.Operator)],
            Policies.Device => [Requirement(DocumentInfo.DeviceKey, context)],
            Policies.Inference => new[]
            {
                Requirement(DocumentInfo.DeviceKey, context),
                Requirement(DocumentInfo.UserToken, context, Roles.Admin, Roles.Operator),
            },
            var unknown => throw new InvalidOperationException($"policy '{unknown}' has no security scheme in the OpenAPI document"),
        };
        operation.Security = [.. requirements];
        return Task.CompletedTask;
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiOperationTransformerContext context, params string[] roles) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [.. roles] };
}
