using Scalar.AspNetCore;

namespace HiPortal.Server.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of every API route at <c>/openapi/v1.json</c>, and interactive docs (Scalar) at
/// <c>/docs</c>. Both are public: the document is the API's shape (routes, schemas, which credential each takes), the
/// same as the README, with no secret, data or instance detail in it; integrators and code generators must be able to
/// fetch it before they have a key, and hiding it would protect nothing the server does not already refuse.
/// </summary>
public static class ApiDocs
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string DocsPath = "/docs";

    /// <summary>The prefixes of the routes the document describes: the API, the Open Inference Protocol and the CSV export.</summary>
    public static readonly string[] DescribedPrefixes = ["/api", "/v2", "/export"];

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, o =>
        {
            o.OpenApiVersion = Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1;
            o.ShouldInclude = d => IsDescribed("/" + d.RelativePath);
            o.AddDocumentTransformer<DocumentInfo>();
            o.AddOperationTransformer<SecurityRequirements>();
            o.AddOperationTransformer<ProblemResponses>();
            o.AddOperationTransformer<BinaryBodies>();
            o.AddOperationTransformer<OpenInferenceResponses>();
            o.AddOperationTransformer<ApiExamples>();
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference(DocsPath, o => o
                .WithTitle("HiPortal API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddDocument(DocumentName))
            .AllowAnonymous();
        return app;
    }

    public static bool IsDescribed(string path) =>
        DescribedPrefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase) && (path.Length == p.Length || path[p.Length] == '/'));
}
