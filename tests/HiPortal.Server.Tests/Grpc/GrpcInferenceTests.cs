using System.Net.Http.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HiPortal.Server.OpenInference.Grpc;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiPortal.Server.Tests.Grpc;

/// <summary>A server with HTTPS, where ALPN gives gRPC its HTTP/2 on the same port as the REST API.</summary>
public sealed class GrpcServerFixture : ServerFixture
{
    protected override HiPortalHostOptions Options => new() { Https = true };

    /// <summary>A channel that trusts only this server's own certificate, with <paramref name="bearer"/> (if any) on every call.</summary>
    public GrpcChannel Channel(string? bearer)
    {
        var expected = SelfSignedCertificate.LoadOrCreate(Path.GetDirectoryName(App.CertificatePath)!, NullLogger.Instance).GetCertHashString();
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == expected;
        var credentials = bearer is null ? null : CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {bearer}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(App.HttpsAddress, new GrpcChannelOptions
        {
            HttpHandler = handler,
            Credentials = credentials is null ? ChannelCredentials.SecureSsl : ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
        });
    }
}

public sealed class GrpcInferenceTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task ModelInfer_GivesTheRestAnswer_ForTheSameSamples()
    {
        int[] images = [14, 15];
        var pixels = images.SelectMany(i => Samples.Test.Sample(i).ToArray()).ToArray();
        var rest = await RestInferAsync(pixels, images.Length);
        using var channel = server.Channel(server.Device.Key);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        var typed = await client.ModelInferAsync(Request(images.Length, t => t.Contents = new InferTensorContents { UintContents = { pixels.Select(p => (uint)p) } }));
        var raw = Request(images.Length);
        raw.RawInputContents.Add(ByteString.CopyFrom(pixels));
        var fromRaw = await client.ModelInferAsync(raw);

        foreach (var answer in new[] { typed, fromRaw })
        {
            Assert.Equal("fashion-large", answer.ModelName);
            Assert.Equal(LargeModel.Version, answer.ModelVersion);
            Assert.Equal("grpc-call", answer.Id);
            Assert.Equal(["logits", "probabilities"], answer.Outputs.Select(o => o.Name));
            Assert.All(answer.Outputs, o => Assert.Equal([2L, 10L], o.Shape));
            AssertClose(rest["logits"], answer.Outputs[0].Contents.Fp32Contents);
            AssertClose(rest["probabilities"], answer.Outputs[1].Contents.Fp32Contents);
        }

        AssertClose(LargeModel.Logits(Samples.Test.Sample(images[0])), typed.Outputs[0].Contents.Fp32Contents.Take(10).ToArray());
    }

    [Theory]
    [InlineData("shape", "inputs[0].shape")]
    [InlineData("datatype", "inputs[0].datatype")]
    [InlineData("name", "inputs[0].name")]
    [InlineData("count", "inputs[0].contents.uint_contents")]
    [InlineData("value", "inputs[0].contents.uint_contents[3]")]
    [InlineData("raw", "raw_input_contents[0]")]
    [InlineData("model", "model_name")]
    public async Task ModelInfer_ReturnsInvalidArgumentNamingTheField_ForBadInput(string fault, string field)
    {
        var pixels = Samples.Test.Sample(0).ToArray().Select(p => (uint)p).ToList();
        var request = Request(1, t => t.Contents = new InferTensorContents { UintContents = { pixels } });
        var tensor = request.Inputs[0];
        switch (fault)
        {
            case "shape": tensor.Shape[1] = 783; break;
            case "datatype": tensor.Datatype = "INT64"; break;
            case "name": tensor.Name = "pixels"; break;
            case "count": tensor.Contents.UintContents.RemoveAt(0); break;
            case "value": tensor.Contents.UintContents[3] = 256; break;
            case "raw": tensor.Contents = null; request.RawInputContents.Add(ByteString.CopyFrom(new byte[100])); break;
            case "model": request.ModelName = ""; break;
        }

        using var channel = server.Channel(server.Device.Key);
        var failure = await Assert.ThrowsAsync<RpcException>(() =>
            new GRPCInferenceService.GRPCInferenceServiceClient(channel).ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.StartsWith(field, failure.Status.Detail);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hp_not-a-real-key")]
    public async Task ModelInfer_ReturnsUnauthenticated_WithoutAValidCredential(string? bearer)
    {
        using var channel = server.Channel(bearer);
        var pixels = Samples.Test.Sample(0).ToArray();
        var request = Request(1);
        request.RawInputContents.Add(ByteString.CopyFrom(pixels));

        var failure = await Assert.ThrowsAsync<RpcException>(() =>
            new GRPCInferenceService.GRPCInferenceServiceClient(channel).ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, failure.StatusCode);
    }

    [Fact]
    public async Task HealthAndMetadata_AnswerAsTheRestProtocolDoes()
    {
        using var anonymous = server.Channel(null);
        using var device = server.Channel(server.Device.Key);
        var open = new GRPCInferenceService.GRPCInferenceServiceClient(anonymous);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(device);

        Assert.True((await open.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await open.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "fashion-large" })).Ready);
        var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "fashion-large" });
        Assert.Equal([LargeModel.Version], metadata.Versions);
        Assert.Equal("input", metadata.Inputs[0].Name);
        Assert.Equal([-1L, 1, 28, 28], metadata.Inputs[0].Shape);
        Assert.Equal([-1L, 10], metadata.Outputs[0].Shape);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            client.ModelMetadataAsync(new ModelMetadataRequest { Name = "no-such-model" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var closed = await Assert.ThrowsAsync<RpcException>(() => open.ModelReadyAsync(new ModelReadyRequest { Name = "fashion-large" }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, closed.StatusCode);
    }

    private static ModelInferRequest Request(int count, Action<ModelInferRequest.Types.InferInputTensor>? fill = null)
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "UINT8", Shape = { count, 784 } };
        fill?.Invoke(tensor);
        return new ModelInferRequest { ModelName = "fashion-large", Id = "grpc-call", Inputs = { tensor } };
    }

    private async Task<Dictionary<string, float[]>> RestInferAsync(byte[] pixels, int count)
    {
        var body = new { id = "rest-call", inputs = new[] { new { name = "input", datatype = "UINT8", shape = new[] { count, 784 }, data = pixels.Select(p => (int)p) } } };
        using var response = await server.DeviceClient.PostAsJsonAsync("/v2/models/fashion-large/infer", body);
        var answer = await response.JsonAsync(System.Net.HttpStatusCode.OK);
        return answer.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!,
            o => o.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray());
    }

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i], Tolerance);
        }
    }
}
