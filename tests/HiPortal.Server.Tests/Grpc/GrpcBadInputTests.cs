using Google.Protobuf;
using Grpc.Core;
using HiPortal.Server.OpenInference.Grpc;

namespace HiPortal.Server.Tests.Grpc;

/// <summary>
/// Hostile Open Inference calls over gRPC: each is refused with the specific status the protocol gives it and a message
/// that names the field at fault, never Unknown or Internal (a server fault).
/// </summary>
public sealed class GrpcBadInputTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private const int Pixels = 784;
    private const int Vibration = 1024;

    [Theory]
    [InlineData("empty model_name", "model_name", "is required")]
    [InlineData("zero inputs", "inputs must hold exactly one tensor", "'input'")]
    [InlineData("two inputs", "inputs must hold exactly one tensor", "'input'")]
    [InlineData("wrong tensor name", "inputs[0].name", "'input'")]
    [InlineData("empty tensor name", "inputs[0].name", "'input'")]
    [InlineData("datatype INT64", "inputs[0].datatype", "UINT8 or FP32")]
    [InlineData("datatype BYTES", "inputs[0].datatype", "UINT8 or FP32")]
    [InlineData("datatype empty", "inputs[0].datatype", "UINT8 or FP32")]
    [InlineData("datatype FP16", "inputs[0].datatype", "UINT8 or FP32")]
    [InlineData("shape empty", "inputs[0].shape [] is not N", "[784]")]
    [InlineData("shape without batch", "inputs[0].shape [784] is not N", "[1,28,28]")]
    [InlineData("shape negative batch", "inputs[0].shape", "positive integers")]
    [InlineData("shape negative sample dim", "inputs[0].shape", "positive integers")]
    [InlineData("shape zero batch", "inputs[0].shape", "positive integers")]
    [InlineData("shape batch int.MaxValue", "inputs[0].shape", "at most 1024 samples")]
    [InlineData("shape batch long.MaxValue", "inputs[0].shape", "at most 1024 samples")]
    [InlineData("shape batch over max samples", "inputs[0].shape", "at most 1024 samples")]
    [InlineData("shape wrong sample length", "inputs[0].shape [1,783] is not N", "[784]")]
    [InlineData("shape wrong sample dims", "inputs[0].shape [1,28,29] is not N", "[28,28]")]
    [InlineData("shape sample with its own batch axis", "inputs[0].shape [1,1,1,28,28] is not N", "[1,28,28]")]
    [InlineData("shape sample dim long.MaxValue", "inputs[0].shape [1,9223372036854775807] is not N", "[784]")]
    [InlineData("raw too few bytes", "raw_input_contents[0]", "holds 783 bytes; shape needs 784")]
    [InlineData("raw too many bytes", "raw_input_contents[0]", "holds 785 bytes; shape needs 784")]
    [InlineData("raw empty entry", "raw_input_contents[0]", "holds 0 bytes; shape needs 784")]
    [InlineData("raw one sample for a batch of two", "raw_input_contents[0]", "holds 784 bytes; shape needs 1568")]
    [InlineData("raw UINT8 bytes sent as FP32", "raw_input_contents[0]", "holds 784 bytes; shape needs 3136")]
    [InlineData("raw two entries", "raw_input_contents must hold one entry", "inputs[0].contents")]
    [InlineData("raw plus typed contents", "raw_input_contents must hold one entry", "inputs[0].contents")]
    [InlineData("raw FP32 NaN", "raw_input_contents[0], sample 0", "index 0 is NaN")]
    [InlineData("no contents", "inputs[0].contents.uint_contents", "is required for a UINT8 tensor")]
    [InlineData("fp32_contents for UINT8", "inputs[0].contents.uint_contents", "is required for a UINT8 tensor")]
    [InlineData("int_contents for UINT8", "inputs[0].contents.uint_contents", "is required for a UINT8 tensor")]
    [InlineData("uint_contents beside fp32_contents", "inputs[0].contents.fp32_contents must be empty", "go in inputs[0].contents.uint_contents alone")]
    [InlineData("uint_contents beside bytes_contents", "inputs[0].contents.bytes_contents must be empty", "UINT8 tensor")]
    [InlineData("uint_contents too few", "inputs[0].contents.uint_contents", "holds 783 values; shape needs 784")]
    [InlineData("uint_contents too many", "inputs[0].contents.uint_contents", "holds 785 values; shape needs 784")]
    [InlineData("uint_contents for a batch of two", "inputs[0].contents.uint_contents", "holds 784 values; shape needs 1568")]
    [InlineData("uint 300 for UINT8", "inputs[0].contents.uint_contents[5]", "= 300 is not a UINT8 value")]
    [InlineData("uint.MaxValue for UINT8", "inputs[0].contents.uint_contents[0]", "= 4294967295 is not a UINT8 value")]
    [InlineData("uint_contents for FP32", "inputs[0].contents.fp32_contents", "is required for a FP32 tensor")]
    [InlineData("fp32 NaN", "inputs[0].contents.fp32_contents, sample 0", "index 7 is NaN")]
    [InlineData("fp32 +Infinity", "inputs[0].contents.fp32_contents, sample 0", "index 7 is +Infinity")]
    [InlineData("fp32 -Infinity", "inputs[0].contents.fp32_contents, sample 0", "index 7 is -Infinity")]
    [InlineData("fp32 NaN in the second sample", "inputs[0].contents.fp32_contents, sample 1", "index 0 is NaN")]
    [InlineData("fp32 outside the card's range", "inputs[0].contents.fp32_contents, sample 0", "at index 3 is outside")]
    [InlineData("INT16 model, datatype UINT8", "inputs[0].datatype", "INT16 or FP32")]
    [InlineData("INT16 model, fashion shape", "inputs[0].shape [1,784] is not N", "[1024]")]
    [InlineData("INT16 model, int 40000", "inputs[0].contents.int_contents[0]", "= 40000 is not a INT16 value")]
    [InlineData("INT16 model, int -32769", "inputs[0].contents.int_contents[0]", "= -32769 is not a INT16 value")]
    [InlineData("INT16 model, uint_contents", "inputs[0].contents.int_contents", "is required for a INT16 tensor")]
    [InlineData("INT16 model, odd raw bytes", "raw_input_contents[0]", "holds 2047 bytes; shape needs 2048")]
    public async Task ModelInfer_ReturnsInvalidArgumentNamingTheField_ForHostileTensors(string fault, string field, string detail)
    {
        var failure = await FailureAsync(server.Device.Key, client => client.ModelInferAsync(Hostile(fault)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.StartsWith(field, failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(detail, failure.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("infer", "no-such-model", "", StatusCode.NotFound, "unknown model 'no-such-model'")]
    [InlineData("infer", "fashion-large", "9.9.9", StatusCode.NotFound, "unknown model 'fashion-large' version '9.9.9'")]
    [InlineData("infer", "../fashion-large", "", StatusCode.NotFound, "unknown model '../fashion-large'")]
    [InlineData("infer", "fashion-large", "../1.0.0", StatusCode.NotFound, "unknown model 'fashion-large' version '../1.0.0'")]
    [InlineData("infer", "long", "", StatusCode.NotFound, "unknown model 'aaaa")]
    [InlineData("metadata", "", "", StatusCode.InvalidArgument, "name is required")]
    [InlineData("metadata", "no-such-model", "", StatusCode.NotFound, "unknown model 'no-such-model'")]
    [InlineData("metadata", "fashion-large", "9.9.9", StatusCode.NotFound, "unknown model 'fashion-large' version '9.9.9'")]
    [InlineData("metadata", "long", "", StatusCode.NotFound, "unknown model 'aaaa")]
    [InlineData("ready", "", "", StatusCode.InvalidArgument, "name is required")]
    [InlineData("ready", "no-such-model", "", StatusCode.NotFound, "unknown model 'no-such-model'")]
    [InlineData("ready", "fashion-large", "9.9.9", StatusCode.NotFound, "unknown model 'fashion-large' version '9.9.9'")]
    [InlineData("ready", "long", "", StatusCode.NotFound, "unknown model 'aaaa")]
    public async Task ModelCalls_RefuseAnUnknownOrMissingModel_WithTheSpecificStatus(string rpc, string name, string version, StatusCode code,
        string message)
    {
        // A name far past the repository's 64 characters: it must be an unknown model, not a path the server chokes on.
        name = name == "long" ? new string('a', 10_000) : name;

        var failure = await FailureAsync(server.Device.Key, client => Call(client, rpc, name, version));

        Assert.Equal(code, failure.StatusCode);
        Assert.StartsWith(message, failure.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("infer", null)]
    [InlineData("infer", "")]
    [InlineData("infer", "hp_not-a-real-key")]
    [InlineData("infer", "not even a key, with spaces")]
    [InlineData("metadata", null)]
    [InlineData("metadata", "hp_not-a-real-key")]
    [InlineData("ready", "hp_not-a-real-key")]
    [InlineData("server-metadata", null)]
    [InlineData("server-metadata", "hp_not-a-real-key")]
    public async Task ModelCalls_ReturnUnauthenticated_WithoutAValidCredential(string rpc, string? bearer)
    {
        var failure = await FailureAsync(bearer, client => Call(client, rpc, "fashion-large", ""));

        Assert.Equal(StatusCode.Unauthenticated, failure.StatusCode);
    }

    [Fact]
    public async Task ModelInfer_ReturnsUnauthenticated_ForARevokedDevicesKey()
    {
        using var admin = await server.App.CreateAdminAsync();
        var device = await server.App.RegisterDeviceAsync("grpc-revoked", server.Device.Fleet);
        // Accepted first, so a cached key is what the revocation has to beat.
        var accepted = await FailureAsync(device.Key, client => client.ModelInferAsync(Hostile("datatype INT64")).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, accepted.StatusCode);

        await admin.RevokeDeviceAsync(device.DeviceId);
        var failure = await FailureAsync(device.Key, client => client.ModelInferAsync(Hostile("datatype INT64")).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, failure.StatusCode);
    }

    /// <summary>Every role may infer (<c>Policies.Inference</c>), so an operator's session reaches the same tensor rules as a device.</summary>
    [Fact]
    public async Task ModelInfer_ChecksAnOperatorsTensor_AsItChecksADevices()
    {
        using var user = await server.App.CreateOperatorAsync("grpc-operator");

        var failure = await FailureAsync(user.Bearer, client => client.ModelInferAsync(Hostile("uint 300 for UINT8")).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.StartsWith("inputs[0].contents.uint_contents[5]", failure.Status.Detail, StringComparison.Ordinal);
    }

    private async Task<RpcException> FailureAsync(string? bearer, Func<GRPCInferenceService.GRPCInferenceServiceClient, Task> call)
    {
        using var channel = server.Channel(bearer);
        var failure = await Assert.ThrowsAsync<RpcException>(() => call(new GRPCInferenceService.GRPCInferenceServiceClient(channel)));
        Assert.NotEqual(StatusCode.Unknown, failure.StatusCode);
        Assert.NotEqual(StatusCode.Internal, failure.StatusCode);
        return failure;
    }

    private static Task Call(GRPCInferenceService.GRPCInferenceServiceClient client, string rpc, string name, string version) => rpc switch
    {
        "infer" => client.ModelInferAsync(WithModel(FashionRequest(), name, version)).ResponseAsync,
        "metadata" => client.ModelMetadataAsync(new ModelMetadataRequest { Name = name, Version = version }).ResponseAsync,
        "ready" => client.ModelReadyAsync(new ModelReadyRequest { Name = name, Version = version }).ResponseAsync,
        "server-metadata" => client.ServerMetadataAsync(new ServerMetadataRequest()).ResponseAsync,
        _ => throw new ArgumentOutOfRangeException(nameof(rpc), rpc, "not an rpc of this test"),
    };

    /// <summary>A valid request for fashion-large or vibration-large with exactly one thing broken, as <paramref name="fault"/> names it.</summary>
    private static ModelInferRequest Hostile(string fault)
    {
        var request = fault.StartsWith("INT16 model", StringComparison.Ordinal) ? VibrationRequest() : FashionRequest();
        var tensor = request.Inputs[0];
        switch (fault)
        {
            case "empty model_name": request.ModelName = ""; break;
            case "zero inputs": request.Inputs.Clear(); break;
            case "two inputs": request.Inputs.Add(tensor.Clone()); break;
            case "wrong tensor name": tensor.Name = "pixels"; break;
            case "empty tensor name": tensor.Name = ""; break;
            case "datatype INT64": tensor.Datatype = "INT64"; break;
            case "datatype BYTES": tensor.Datatype = "BYTES"; break;
            case "datatype empty": tensor.Datatype = ""; break;
            case "datatype FP16": tensor.Datatype = "FP16"; break;
            case "shape empty": tensor.Shape.Clear(); break;
            case "shape without batch": Reshape(tensor, Pixels); break;
            case "shape negative batch": Reshape(tensor, -1, Pixels); break;
            case "shape negative sample dim": Reshape(tensor, 1, -Pixels); break;
            case "shape zero batch": Reshape(tensor, 0, Pixels); break;
            case "shape batch int.MaxValue": Reshape(tensor, int.MaxValue, Pixels); break;
            case "shape batch long.MaxValue": Reshape(tensor, long.MaxValue, Pixels); break;
            case "shape batch over max samples": Reshape(tensor, 1025, Pixels); break;
            case "shape wrong sample length": Reshape(tensor, 1, 783); break;
            case "shape wrong sample dims": Reshape(tensor, 1, 28, 29); break;
            case "shape sample with its own batch axis": Reshape(tensor, 1, 1, 1, 28, 28); break;
            case "shape sample dim long.MaxValue": Reshape(tensor, 1, long.MaxValue); break;
            case "raw too few bytes": Raw(request, new byte[783]); break;
            case "raw too many bytes": Raw(request, new byte[785]); break;
            case "raw empty entry": Raw(request, Array.Empty<byte>()); break;
            case "raw one sample for a batch of two": Reshape(tensor, 2, Pixels); Raw(request, new byte[Pixels]); break;
            case "raw UINT8 bytes sent as FP32": tensor.Datatype = "FP32"; Raw(request, new byte[Pixels]); break;
            case "raw two entries": Raw(request, new byte[Pixels], new byte[Pixels]); break;
            case "raw plus typed contents": request.RawInputContents.Add(ByteString.CopyFrom(new byte[Pixels])); break;
            case "raw FP32 NaN": tensor.Datatype = "FP32"; Raw(request, Floats(Pixels, 0, float.NaN)); break;
            case "no contents": tensor.Contents = null; break;
            case "fp32_contents for UINT8": tensor.Contents = new InferTensorContents { Fp32Contents = { new float[Pixels] } }; break;
            case "int_contents for UINT8": tensor.Contents = new InferTensorContents { IntContents = { new int[Pixels] } }; break;
            case "uint_contents beside fp32_contents": tensor.Contents.Fp32Contents.Add(new float[Pixels]); break;
            case "uint_contents beside bytes_contents": tensor.Contents.BytesContents.Add(ByteString.CopyFrom(1, 2)); break;
            case "uint_contents too few": tensor.Contents.UintContents.RemoveAt(0); break;
            case "uint_contents too many": tensor.Contents.UintContents.Add(0); break;
            case "uint_contents for a batch of two": Reshape(tensor, 2, Pixels); break;
            case "uint 300 for UINT8": tensor.Contents.UintContents[5] = 300; break;
            case "uint.MaxValue for UINT8": tensor.Contents.UintContents[0] = uint.MaxValue; break;
            case "uint_contents for FP32": tensor.Datatype = "FP32"; break;
            case "fp32 NaN": Fp32(tensor, 1, 7, float.NaN); break;
            case "fp32 +Infinity": Fp32(tensor, 1, 7, float.PositiveInfinity); break;
            case "fp32 -Infinity": Fp32(tensor, 1, 7, float.NegativeInfinity); break;
            case "fp32 NaN in the second sample": Fp32(tensor, 2, Pixels, float.NaN); break;
            case "fp32 outside the card's range": Fp32(tensor, 1, 3, 2f); break;
            case "INT16 model, datatype UINT8": tensor.Datatype = "UINT8"; break;
            case "INT16 model, fashion shape": Reshape(tensor, 1, Pixels); break;
            case "INT16 model, int 40000": tensor.Contents.IntContents[0] = 40_000; break;
            case "INT16 model, int -32769": tensor.Contents.IntContents[0] = short.MinValue - 1; break;
            case "INT16 model, uint_contents": tensor.Contents = new InferTensorContents { UintContents = { new uint[Vibration] } }; break;
            case "INT16 model, odd raw bytes": Raw(request, new byte[(2 * Vibration) - 1]); break;
            default: throw new ArgumentOutOfRangeException(nameof(fault), fault, "not a case of this test");
        }

        return request;
    }

    private static ModelInferRequest FashionRequest()
    {
        var pixels = Samples.Test.Sample(0).ToArray().Select(p => (uint)p);
        var tensor = new ModelInferRequest.Types.InferInputTensor
        {
            Name = "input",
            Datatype = "UINT8",
            Shape = { 1, Pixels },
            Contents = new InferTensorContents { UintContents = { pixels } },
        };
        return new ModelInferRequest { ModelName = "fashion-large", Id = "hostile", Inputs = { tensor } };
    }

    /// <summary>vibration-large's card takes INT16 samples of 1024 values: the int_contents path.</summary>
    private static ModelInferRequest VibrationRequest()
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor
        {
            Name = "input",
            Datatype = "INT16",
            Shape = { 1, Vibration },
            Contents = new InferTensorContents { IntContents = { new int[Vibration] } },
        };
        return new ModelInferRequest { ModelName = "vibration-large", Id = "hostile", Inputs = { tensor } };
    }

    private static ModelInferRequest WithModel(ModelInferRequest request, string name, string version)
    {
        request.ModelName = name;
        request.ModelVersion = version;
        return request;
    }

    private static void Reshape(ModelInferRequest.Types.InferInputTensor tensor, params long[] shape)
    {
        tensor.Shape.Clear();
        tensor.Shape.Add(shape);
    }

    /// <summary>The data as raw bytes instead of typed contents.</summary>
    private static void Raw(ModelInferRequest request, params byte[][] entries)
    {
        request.Inputs[0].Contents = null;
        foreach (var entry in entries)
        {
            request.RawInputContents.Add(ByteString.CopyFrom(entry));
        }
    }

    /// <summary>FP32 contents (already the model's input, in its [0, 1] range) for <paramref name="count"/> samples, with one bad value.</summary>
    private static void Fp32(ModelInferRequest.Types.InferInputTensor tensor, int count, int index, float value)
    {
        tensor.Datatype = "FP32";
        Reshape(tensor, count, Pixels);
        var values = new float[count * Pixels];
        values[index] = value;
        tensor.Contents = new InferTensorContents { Fp32Contents = { values } };
    }

    private static byte[] Floats(int length, int index, float value)
    {
        var values = new float[length];
        values[index] = value;
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }
}
