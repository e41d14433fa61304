using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HiPortal.Core.Inference;

/// <summary>What the ONNX graph says (tensor names, element types, shapes), cross-checked with the card.</summary>
internal static class GraphCheck
{
    public static void Verify(InferenceSession session, ModelSignature signature)
    {
        var card = signature.Card;
        if (!session.InputMetadata.TryGetValue(signature.InputName, out var input))
        {
            throw new ModelCardException("input.name", $"the graph has no input '{signature.InputName}' (it has {List(session.InputMetadata.Keys)})");
        }

        if (session.InputMetadata.Count != 1)
        {
            throw new ModelCardException("input.name", $"the graph takes {session.InputMetadata.Count} inputs ({List(session.InputMetadata.Keys)}); HiPortal feeds exactly one");
        }

        if (input.ElementDataType != TensorElementType.Float)
        {
            throw new ModelCardException("input", $"the graph's input is {input.ElementDataType}; it must be FP32 (the card's datatype and preprocessing describe the wire sample)");
        }

        CheckShape("input.shape", input.Dimensions, card.Input.Shape);
        if (!session.OutputMetadata.TryGetValue(signature.OutputName, out var output))
        {
            throw new ModelCardException("output.name", $"the graph has no output '{signature.OutputName}' (it has {List(session.OutputMetadata.Keys)})");
        }

        if (output.ElementDataType != TensorElementType.Float)
        {
            throw new ModelCardException("output", $"the graph's output is {output.ElementDataType}; it must be FP32 scores");
        }

        if (output.Dimensions.Length != 2)
        {
            throw new ModelCardException("output.shape", $"the graph's output has rank {output.Dimensions.Length}; a classifier's is [N, classes]");
        }

        CheckShape("output.shape", output.Dimensions, card.Output.Shape);
    }

    private static void CheckShape(string field, int[] graph, IReadOnlyList<long> card)
    {
        var graphText = $"[{string.Join(",", graph)}]";
        if (graph.Length != card.Count)
        {
            throw new ModelCardException(field, $"the card says [{string.Join(",", card)}], the graph {graphText}");
        }

        if (graph[0] > 0)
        {
            throw new ModelCardException(field, $"the graph's batch axis is fixed at {graph[0]} ({graphText}); export it with a dynamic batch axis");
        }

        for (var i = 1; i < graph.Length; i++)
        {
            if (graph[i] > 0 && graph[i] != card[i])
            {
                throw new ModelCardException(field, $"axis {i} is {card[i]} in the card but {graph[i]} in the graph {graphText}");
            }
        }
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
