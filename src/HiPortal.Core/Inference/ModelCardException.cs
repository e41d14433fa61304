namespace HiPortal.Core.Inference;

/// <summary>A model card (or the graph it describes) is not acceptable; <see cref="Field"/> names what is wrong.</summary>
/// <param name="field">The card field, e.g. <c>input.shape</c>, or <c>model</c> for the ONNX file itself.</param>
public sealed class ModelCardException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;

    public string Reason { get; } = message;
}
