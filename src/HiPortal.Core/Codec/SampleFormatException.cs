namespace HiPortal.Core.Codec;

/// <summary>Thrown when a sample on the wire has the wrong shape, datatype, length or values.</summary>
public sealed class SampleFormatException(string field, string message) : FormatException(message)
{
    /// <summary>The request field at fault, e.g. "input.data".</summary>
    public string Field { get; } = field;

    public SampleFormatError Error => new(Field, Message);
}
