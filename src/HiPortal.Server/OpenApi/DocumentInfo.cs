using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HiPortal.Server.OpenApi;

/// <summary>The title, the two credentials and the problem body every error shares.</summary>
internal sealed class DocumentInfo : IOpenApiDocumentTransformer
{
    public const string UserToken = "userToken";
    public const string DeviceKey = "deviceKey";
    public const string Problem = "Problem";
    public const string OipError = "OipError";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "HiPortal API",
            Version = "v1",
            Description = "Hierarchical inference at the edge: devices offload unsure samples to the large model; admins and " +
                "operators manage fleets, devices, users and thresholds. Admins and operators send a token from " +
                "`POST /api/v1/auth/token`; devices send their device key (`hpk_…`). Both go in `Authorization: Bearer …`. " +
                "Errors are RFC 7807 problem bodies whose `errors` names the field (the Open Inference Protocol routes " +
                "answer `{\"error\"}` as that protocol specifies).",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[UserToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "opaque token",
            Description = "An admin's or operator's token from POST /api/v1/auth/token (its role: Admin or Operator).",
        };
        document.Components.SecuritySchemes[DeviceKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "hpk_…",
            Description = "A device key, shown once when the device is registered (POST /api/v1/admin/devices) or its key rotated.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[Problem] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 7807 problem; a 4xx names the offending field in `errors`.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "field → messages",
                    AdditionalProperties = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                },
            },
        };
        document.Components.Schemas[OipError] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An Open Inference Protocol error.",
            Required = new HashSet<string> { "error" },
            Properties = new Dictionary<string, IOpenApiSchema> { ["error"] = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        return Task.CompletedTask;
    }
}
