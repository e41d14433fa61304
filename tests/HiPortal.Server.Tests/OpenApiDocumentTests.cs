using System.Net;
using System.Text.Json;
using HiPortal.Server.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>The OpenAPI document is public, complete (every API route the server maps) and internally consistent.</summary>
public sealed class OpenApiDocumentTests(HostFixture server) : IClassFixture<HostFixture>
{
    /// <summary>
    /// What the server maps that is not API: the dashboard, its assets and hub, health, metrics, the docs themselves, and
    /// the gRPC Open Inference service, whose paths the protocol fixes (OpenAPI cannot describe it; the README does).
    /// </summary>
    private static readonly string[] s_notApi = ["/hubs/", "/health/", "/metrics", "/openapi/", "/docs", "/account/", "/_", "/inference.GRPCInferenceService/"];

    [Fact]
    public async Task Document_IsOpenApi31_AndReadableWithoutCredentials()
    {
        using var anonymous = server.App.CreateAnonymousClient();
        using var response = await anonymous.GetAsync(ApiDocs.DocumentPath);
        var document = await response.JsonAsync(HttpStatusCode.OK);

        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        Assert.Equal("HiPortal API", document.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Document_DescribesEveryMappedApiRoute()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        var described = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();

        var missing = new List<string>();
        var unknown = new List<string>();
        foreach (var (method, path, name) in MappedRoutes())
        {
            if (ApiDocs.IsDescribed(path))
            {
                if (!described.Contains($"{method} {path}"))
                {
                    missing.Add($"{method} {path}");
                }
            }
            else if (!s_notApi.Any(p => path.StartsWith(p, StringComparison.Ordinal)) && !IsDashboardPage(path))
            {
                unknown.Add($"{method} {path} ({name})");
            }
        }

        Assert.True(missing.Count == 0, "mapped but not in the document: " + string.Join(", ", missing));
        Assert.True(unknown.Count == 0, "mapped outside every documented prefix: " + string.Join(", ", unknown));
        Assert.Contains("POST /api/v1/offloads", described);
        Assert.Contains("POST /v2/models/{name}/infer", described);
    }

    [Fact]
    public async Task Operations_NameTheirCredential_FromTheRoutesOwnPolicy()
    {
        var document = await DocumentAsync();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("userToken").GetProperty("scheme").GetString());
        Assert.Equal("bearer", schemes.GetProperty("deviceKey").GetProperty("scheme").GetString());

        Assert.Equal(["deviceKey"], Schemes(document, "post", "/api/v1/offloads"));
        Assert.Equal(["deviceKey"], Schemes(document, "get", "/api/v1/config"));
        Assert.Equal(["userToken"], Schemes(document, "post", "/api/v1/admin/fleets"));
        Assert.Equal(["Admin"], Roles(document, "post", "/api/v1/admin/fleets", "userToken"));
        Assert.Equal(["Admin", "Operator"], Roles(document, "get", "/api/v1/admin/fleets", "userToken"));
        Assert.Equal(["deviceKey", "userToken"], Schemes(document, "post", "/v2/models/{name}/infer"));
        Assert.Empty(Schemes(document, "post", "/api/v1/auth/token"));
        Assert.Empty(Schemes(document, "get", "/v2/health/live"));
    }

    [Fact]
    public async Task Operations_DescribeBodies_AndProblemAnswers()
    {
        var document = await DocumentAsync();
        var offload = Operation(document, "post", "/api/v1/offloads");
        var body = offload.GetProperty("requestBody").GetProperty("content");
        Assert.Equal("#/components/schemas/OffloadRequest", body.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("binary", body.GetProperty("application/octet-stream").GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal("#/components/schemas/OffloadResponse", ResponseSchemaRef(offload, "200", "application/json"));
        foreach (var status in new[] { "400", "401", "403", "415", "429" })
        {
            Assert.Equal("#/components/schemas/Problem", ResponseSchemaRef(offload, status, "application/problem+json"));
        }

        var create = Operation(document, "post", "/api/v1/admin/fleets");
        Assert.Equal(["application/json"], create.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name));
        Assert.Equal("#/components/schemas/OipError", ResponseSchemaRef(Operation(document, "get", "/v2/models/{name}"), "404", "application/json"));
    }

    [Fact]
    public async Task EveryReference_ResolvesToAComponent()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var references = new List<string>();
        Collect(document.GetProperty("paths"), references);
        Collect(schemas, references);

        Assert.NotEmpty(references);
        Assert.All(references, r =>
        {
            Assert.StartsWith("#/components/schemas/", r);
            Assert.True(schemas.TryGetProperty(r["#/components/schemas/".Length..], out _), $"unresolved {r}");
        });
    }

    [Fact]
    public async Task Docs_ServeTheInteractiveReference_OverTheDocument()
    {
        using var anonymous = server.App.CreateAnonymousClient();
        using var page = await anonymous.GetAsync(ApiDocs.DocsPath + "/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", html);
        using var script = await anonymous.GetAsync(ApiDocs.DocsPath + "/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "the Scalar bundle is served by the server itself");
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var anonymous = server.App.CreateAnonymousClient();
        using var response = await anonymous.GetAsync(ApiDocs.DocumentPath);
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    private IEnumerable<(string Method, string Path, string? Name)> MappedRoutes()
    {
        var sources = server.App.Services.GetRequiredService<IEnumerable<EndpointDataSource>>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"];
            foreach (var method in methods)
            {
                yield return (method, PathOf(endpoint.RoutePattern), endpoint.DisplayName);
            }
        }
    }

    /// <summary>The path as OpenAPI writes it: literal segments and <c>{parameter}</c>, no constraints or trailing slash.</summary>
    private static string PathOf(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            _ => part.ToString(),
        }))));

    /// <summary>
    /// The dashboard's Blazor pages (login, overview, devices…) and its static files (assets, and the file fallback a
    /// development host maps as <c>{**path:file}</c>): pages and files, not API.
    /// </summary>
    private bool IsDashboardPage(string path) =>
        server.App.Services.GetRequiredService<IEnumerable<EndpointDataSource>>().SelectMany(s => s.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => PathOf(e.RoutePattern) == path)
            .All(e => e.Metadata.Any(m => m.GetType().Name is "ComponentTypeMetadata" or "StaticAssetDescriptor" or "RootComponentMetadata")
                || e.RoutePattern.Parameters.Any(p => p.IsCatchAll && p.ParameterPolicies.Any(pp => pp.Content == "file")));

    private static JsonElement Operation(JsonElement document, string method, string path) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    private static string[] Schemes(JsonElement document, string method, string path) =>
        Operation(document, method, path).TryGetProperty("security", out var security)
            ? [.. security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).Order()]
            : [];

    private static string[] Roles(JsonElement document, string method, string path, string scheme) =>
        [.. Operation(document, method, path).GetProperty("security").EnumerateArray()
            .Single(r => r.TryGetProperty(scheme, out _)).GetProperty(scheme).EnumerateArray().Select(r => r.GetString()!).Order()];

    private static string? ResponseSchemaRef(JsonElement operation, string status, string mediaType) =>
        operation.GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty(mediaType)
            .GetProperty("schema").GetProperty("$ref").GetString();

    private static void Collect(JsonElement element, List<string> references)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        references.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        Collect(property.Value, references);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, references);
                }

                break;
        }
    }
}
