using System.Buffers;
using HiPortal.Core.Codec;
using HiPortal.Core.Inference;

namespace HiPortal.Server.OpenInference.Grpc;

/// <summary>
/// Reads a gRPC <c>ModelInferRequest</c> with the REST parser's rules (<see cref="InferRequestParser"/>): one input
/// tensor, N samples of an accepted shape, in an accepted datatype; its data either typed contents or raw bytes.
/// Every error names its field as the protocol spells it.
/// </summary>
public static class GrpcInferParser
{
    /// <summary>The request's samples go into buffers from <paramref name="inputPool"/> (the served model's; shared when null).</summary>
    public static ParsedInferRequest Parse(ModelInferRequest request, SampleDecoder decoder, ArrayPool<float>? inputPool = null)
    {
        var id = request.Id.Length == 0 ? null : request.Id;
        if (request.Inputs.Count != 1)
        {
            return InferRequestParser.Fail("inputs must hold exactly one tensor named 'input'");
        }

        var tensor = request.Inputs[0];
        if (InferRequestParser.CheckTensor(tensor.Name, tensor.Datatype.Length == 0 ? null : tensor.Datatype, decoder, out var type) is { } tensorError)
        {
            return InferRequestParser.Fail(tensorError);
        }

        if (InferRequestParser.CheckShape(tensor.Shape, decoder, out var count) is { } shapeError)
        {
            return InferRequestParser.Fail(shapeError);
        }

        if (request.RawInputContents.Count > 0)
        {
            return request.RawInputContents.Count != 1 || tensor.Contents is not null
                ? InferRequestParser.Fail("raw_input_contents must hold one entry, and inputs[0].contents must then be empty")
                : InferRequestParser.DecodeSamples(id, type, request.RawInputContents[0].Span, count, decoder, "raw_input_contents[0]", inputPool);
        }

        return FromContents(id, type, tensor.Contents, count, decoder, inputPool);
    }

    /// <summary>
    /// The first contents field other than <paramref name="used"/> that holds values: a client that fills two would have
    /// one of them ignored without a word, so such a request is refused.
    /// </summary>
    private static string? StrayContents(InferTensorContents contents, string used)
    {
        ReadOnlySpan<(string Name, int Count)> fields =
        [
            ("bool_contents", contents.BoolContents.Count),
            ("int_contents", contents.IntContents.Count),
            ("int64_contents", contents.Int64Contents.Count),
            ("uint_contents", contents.UintContents.Count),
            ("uint64_contents", contents.Uint64Contents.Count),
            ("fp32_contents", contents.Fp32Contents.Count),
            ("fp64_contents", contents.Fp64Contents.Count),
            ("bytes_contents", contents.BytesContents.Count),
        ];
        foreach (var (name, count) in fields)
        {
            if (count > 0 && !used.EndsWith(name, StringComparison.Ordinal))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Typed contents are written as the wire bytes the decoder reads, checked value by value as the REST numbers are.</summary>
    private static ParsedInferRequest FromContents(string? id, SampleDatatype type, InferTensorContents? contents, int count, SampleDecoder decoder,
        ArrayPool<float>? inputPool)
    {
        var (values, field) = type switch
        {
            SampleDatatype.Fp32 => (contents?.Fp32Contents.Select(v => (double)v).ToList(), "inputs[0].contents.fp32_contents"),
            SampleDatatype.Uint8 => (contents?.UintContents.Select(v => (double)v).ToList(), "inputs[0].contents.uint_contents"),
            SampleDatatype.Int8 or SampleDatatype.Int16 => (contents?.IntContents.Select(v => (double)v).ToList(), "inputs[0].contents.int_contents"),
            _ => (null, "raw_input_contents"),
        };
        if (values is null || values.Count == 0)
        {
            return InferRequestParser.Fail($"{field} is required for a {type.Name()} tensor");
        }

        if (StrayContents(contents!, field) is { } stray)
        {
            return InferRequestParser.Fail($"inputs[0].contents.{stray} must be empty: a {type.Name()} tensor's values go in {field} alone");
        }

        var limit = count * decoder.SampleLength;
        if (values.Count != limit)
        {
            return InferRequestParser.Fail($"{field} holds {values.Count} values; shape needs {limit}");
        }

        var bytes = limit * type.ElementBytes();
        var wire = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            for (var i = 0; i < limit; i++)
            {
                if (!InferRequestParser.Write(type, values[i], wire, i))
                {
                    return InferRequestParser.Fail($"{field}[{i}] = {values[i]} is not a {type.Name()} value");
                }
            }

            return InferRequestParser.DecodeSamples(id, type, wire.AsSpan(0, bytes), count, decoder, field, inputPool);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wire);
        }
    }
}
