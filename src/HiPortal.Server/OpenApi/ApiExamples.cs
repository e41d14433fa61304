using System.Text.Json;
using HiPortal.Core.Decisions;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace HiPortal.Server.OpenApi;

/// <summary>
/// Request and response examples for the main routes. They are the contract records themselves, serialized with the
/// API's own JSON options, so an example cannot drift from what the route reads and writes (OpenApiExamplesTests
/// validates each against its schema).
/// </summary>
internal sealed class ApiExamples : IOpenApiOperationTransformer
{
    private static readonly DateTimeOffset s_at = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DeviceConfiguration s_config = new(OffloadRules.MaxSoftmax, 0.8, null, 10);

    // (method, path) → (request example, response status, response example).
    private static readonly Dictionary<string, (object? Request, string Status, object Response)> s_examples = new(StringComparer.Ordinal)
    {
        [$"POST {Routes.Offloads}"] = (
            new OffloadRequest
            {
                SampleId = "sensor-7-000123",
                CapturedAt = s_at,
                // The model card's datatype and shape; data is the sample's bytes in base64 (shortened here).
                Input = new SampleInput { Datatype = "UINT8", Shape = [1, 2, 2], Data = "AAECAw==" },
                Local = new LocalDecision { PredictedClass = 3, Confidence = 0.62, InferenceMicros = 950 },
                Label = 3,
            },
            "200",
            new OffloadResponse("sensor-7-000123", 3, 0.97f, [0.0f, 0.01f, 0.0f, 0.97f, 0.02f], true, "fashion-large", "1.0.0", 8, 1200, 2100, false, 4)),
        [$"GET {Routes.Config}"] = (null, "200",
            new EffectiveConfigResponse(4, OffloadRules.MaxSoftmax, 0.8, null, 10, "lab",
                new TinyModelRef("fashion-tiny", "1.0.0", new string('a', 64), 52_000, "/api/v1/models/fashion-tiny/1.0.0/file"))),
        [$"POST {Routes.ConfigAck}"] = (new ConfigAck(4, "applied"), "200", new AckResponse(4, "applied", 4)),
        [$"GET {Routes.Fleets}"] = (null, "200", new List<FleetView> { Fleet() }),
        [$"POST {Routes.Fleets}"] = (new CreateFleetRequest("lab", 0.8, OffloadRules.MaxSoftmax, DeviceProfile: "esp32-wifi", Reason: "new line"), "201", Fleet()),
        [$"GET {Routes.Devices}"] = (null, "200", new DevicePage(1, 1, 25, [Device()])),
        [$"POST {Routes.Devices}"] = (new CreateDeviceRequest("sensor-7", "lab"), "201",
            new CreatedDevice("d-3f9a2c", "sensor-7", "lab", "hpk_example-key-shown-once", "k-1")),
        [$"GET {Routes.Models}"] = (null, "200", new List<ModelVersionView>
        {
            new("fashion-large", "1.0.0", new string('b', 64), 1_700_000, "classification", "UINT8", [1, 28, 28],
                ["T-shirt/top", "Trouser", "Pullover"], 421_642, new Dictionary<string, double> { ["test"] = 0.91 }, false, s_at, "system",
                ["lab"], true),
        }),
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var key = $"{context.Description.HttpMethod} /{context.Description.RelativePath?.TrimEnd('/')}";
        if (!s_examples.TryGetValue(key, out var example))
        {
            return Task.CompletedTask;
        }

        var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        if (example.Request is { } request && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true && body is OpenApiMediaType bodyMedia)
        {
            bodyMedia.Example = JsonSerializer.SerializeToNode(request, request.GetType(), json);
        }

        if (operation.Responses?.TryGetValue(example.Status, out var response) == true && response.Content?.TryGetValue("application/json", out var content) == true
            && content is OpenApiMediaType responseMedia)
        {
            responseMedia.Example = JsonSerializer.SerializeToNode(example.Response, example.Response.GetType(), json);
        }

        return Task.CompletedTask;
    }

    private static FleetView Fleet() => new("lab", s_config, 50, 100, "esp32-wifi", false, 0.5, 0.99, 12, 11, 1, "fashion-tiny@1.0.0", "fashion-large@1.0.0");

    private static DeviceRow Device() => new("d-3f9a2c", "sensor-7", "lab", true, s_at, OffloadRules.MaxSoftmax, 0.8, false, 4, 4, "applied", false, false);
}
