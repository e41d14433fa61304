using System.Net;
using System.Text.Json;
using HiPortal.Server.OpenApi;

namespace HiPortal.Server.Tests;

/// <summary>The document's request and response examples exist for the main routes and each validates against its schema.</summary>
public sealed class OpenApiExamplesTests(HostFixture server) : IClassFixture<HostFixture>
{
    private static readonly string[] s_withExamples =
    [
        $"post {Routes.Offloads}", $"get {Routes.Config}", $"post {Routes.ConfigAck}", $"get {Routes.Fleets}", $"post {Routes.Fleets}",
        $"get {Routes.Devices}", $"post {Routes.Devices}", $"get {Routes.Models}",
    ];

    [Fact]
    public async Task MainRoutes_HaveExamples_ThatValidateAgainstTheirSchemas()
    {
        using var anonymous = server.App.CreateAnonymousClient();
        using var response = await anonymous.GetAsync(ApiDocs.DocumentPath);
        var document = await response.JsonAsync(HttpStatusCode.OK);
        var validator = new SchemaValidator(document);

        var found = new HashSet<string>();
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                foreach (var (where, media) in MediaTypes(operation.Value))
                {
                    if (media.TryGetProperty("example", out var example))
                    {
                        var name = $"{operation.Name} {path.Name} {where}";
                        found.Add($"{operation.Name} {path.Name}");
                        failures.AddRange(validator.Validate(example, media.GetProperty("schema"), name));
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Subset(found, s_withExamples.ToHashSet());
    }

    [Fact]
    public void Validator_RefusesAnExampleThatBreaksItsSchema()
    {
        using var document = JsonDocument.Parse("""
            {"components":{"schemas":{"P":{"type":"object","required":["n"],"properties":{"n":{"type":"integer"},"s":{"type":["null","string"]}}}}}}
            """);
        var validator = new SchemaValidator(document.RootElement);
        using var schema = JsonDocument.Parse("""{"type":"array","items":{"$ref":"#/components/schemas/P"}}""");

        Assert.Empty(validator.Validate(JsonDocument.Parse("""[{"n":1,"s":null},{"n":2,"s":"x"}]""").RootElement, schema.RootElement, "ok"));
        Assert.Equal(["bad[0].n: expected integer, got String", "bad[1]: missing required n"],
            validator.Validate(JsonDocument.Parse("""[{"n":"1"},{"s":"x"}]""").RootElement, schema.RootElement, "bad"));
    }

    private static IEnumerable<(string Where, JsonElement Media)> MediaTypes(JsonElement operation)
    {
        if (operation.TryGetProperty("requestBody", out var body) && body.TryGetProperty("content", out var content))
        {
            foreach (var media in content.EnumerateObject())
            {
                yield return ($"request {media.Name}", media.Value);
            }
        }

        if (operation.TryGetProperty("responses", out var responses))
        {
            foreach (var status in responses.EnumerateObject())
            {
                if (status.Value.TryGetProperty("content", out var responseContent))
                {
                    foreach (var media in responseContent.EnumerateObject())
                    {
                        yield return ($"{status.Name} {media.Name}", media.Value);
                    }
                }
            }
        }
    }
}
