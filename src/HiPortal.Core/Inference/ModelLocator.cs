namespace HiPortal.Core.Inference;

/// <summary>
/// Finds a model's version directory from what a user types: a directory holding <c>card.json</c> and
/// <c>model.onnx</c>, or <c>name[@version]</c> in a repository (the newest version when none is given).
/// </summary>
public static class ModelLocator
{
    public static string Resolve(string modelOrDirectory, string? repository = null)
    {
        if (Directory.Exists(modelOrDirectory) && File.Exists(ModelLayout.CardPath(modelOrDirectory)))
            return Path.GetFullPath(modelOrDirectory);
        if (!ModelReference.TryParse(modelOrDirectory, out var reference))
        {
            throw new ArgumentException(
                $"'{modelOrDirectory}' is neither a model directory (with {ModelLayout.CardFileName}) nor name[@version]");
        }

        var root = repository ?? ModelLayout.DefaultRoot;
        if (reference.Version is null)
            return ModelLayout.NewestVersionDirectory(root, reference.Name);
        var directory = ModelLayout.VersionDirectory(root, reference.Name, reference.Version);
        return File.Exists(ModelLayout.CardPath(directory))
            ? directory
            : throw new FileNotFoundException($"no model {reference} in {root} (expected {directory}/{ModelLayout.CardFileName})");
    }

    /// <summary>Loads the card of a version directory and checks that model.onnx is the file it describes.</summary>
    public static ModelCard LoadVerified(string versionDirectory)
    {
        var card = ModelCard.Load(ModelLayout.CardPath(versionDirectory));
        var onnx = ModelLayout.OnnxPath(versionDirectory);
        var actual = File.Exists(onnx) ? ModelCard.ComputeSha256(onnx) : throw new FileNotFoundException($"ONNX model not found: {onnx}", onnx);
        return actual == card.Sha256
            ? card
            : throw new InvalidDataException($"{card.Reference}: sha256 {actual} of {onnx} does not match its card ({card.Sha256})");
    }
}
