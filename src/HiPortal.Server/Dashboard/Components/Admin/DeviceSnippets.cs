using System.Globalization;

namespace HiPortal.Server.Dashboard.Components.Admin;

/// <summary>The first sample a snippet sends, in the fleet's model's wire form (from its card, never assumed).</summary>
public sealed record SampleSpec(string Datatype, IReadOnlyList<int> Shape, int Bytes);

/// <summary>
/// Ready-to-run ways to connect a newly registered device: a curl command that posts one offload, and the device SDK's
/// options. Both pin the server's self-signed certificate when it has one (curl by public key, the SDK by certificate hash).
/// </summary>
public sealed record DeviceSnippets(string Curl, string Sdk)
{
    public static DeviceSnippets Create(Uri server, string key, string tinyModel, SampleSpec sample, string? certificateSha256, string? publicKeyPin)
    {
        var offloads = new Uri(server, HiPortal.Contracts.Routes.Offloads.TrimStart('/'));
        // -k skips CA validation of the self-signed certificate; --pinnedpubkey still refuses any other server's key.
        var tls = publicKeyPin is null ? "" : $"-k --pinnedpubkey 'sha256//{publicKeyPin}' ";
        var shape = string.Join(",", sample.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        // Zero bytes are a valid sample of every datatype; class 0 exists in every model.
        var body = $"{{\\\"sampleId\\\":\\\"first-$(date +%s%N)\\\",\\\"input\\\":{{\\\"datatype\\\":\\\"{sample.Datatype}\\\",\\\"shape\\\":[{shape}]," +
            $"\\\"data\\\":\\\"$(head -c {sample.Bytes.ToString(CultureInfo.InvariantCulture)} /dev/zero | base64 -w0)\\\"}}," +
            "\\\"local\\\":{\\\"predictedClass\\\":0,\\\"confidence\\\":0.41,\\\"inferenceMicros\\\":950}}";
        var curl = $"""
            KEY='{key}'
            curl -sS --fail-with-body {tls}{offloads} \
              -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
              -d "{body}"
            """;
        var pin = certificateSha256 is null ? "" : $"""

                ServerCertificateThumbprint = "{certificateSha256}",
            """;
        var modelName = tinyModel.Split('@')[0];
        var sdk = $$"""
            await using var device = new HiDeviceClient(new HiDeviceOptions
            {
                ServerUri = new Uri("{{server}}"),
                DeviceKey = "{{key}}",
                TinyModel = "{{modelName}}",{{pin}}
            });
            await device.StartAsync();
            var result = await device.ProcessAsync(sample);
            """;
        return new DeviceSnippets(curl, sdk);
    }
}
