namespace HiPortal.Core.Codec;

/// <summary>What is wrong with a sample on the wire: the request field and a precise message.</summary>
/// <param name="Field">The request field, e.g. "input.data", "input.shape" or "input.datatype".</param>
/// <param name="Message">What is wrong, with the offending value or index.</param>
public sealed record SampleFormatError(string Field, string Message);
